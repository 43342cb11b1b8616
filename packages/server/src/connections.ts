import type { Server } from 'node:http';
import type { Socket } from 'node:net';

/** How long, while the server closes, a connection may go without any traffic before it is dropped. */
export const STALL_MS = 2000;

/**
 * The server's open connections, so that closing can end the ones that
 * would hold it open for nothing: a client that never reads its answer
 * leaves the answer stuck in the socket, and Node's `close()` waits for it
 * forever. {@link Connections.dropStalled} gives each remaining connection
 * `stallMs` without traffic; one still moving bytes is left to finish.
 *
 * @example
 * ```ts
 * const connections = trackConnections(app.server);
 * app.addHook('preClose', async () => void admission.idle().then(() => connections.dropStalled(STALL_MS)));
 * ```
 */
export function trackConnections(server: Server): Connections {
  const open = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  return {
    get size() {
      return open.size;
    },
    dropStalled(stallMs) {
      for (const socket of open) socket.setTimeout(stallMs, () => socket.destroy());
    },
  };
}

/** See {@link trackConnections}. */
export interface Connections {
  /** Connections open now. */
  readonly size: number;
  /** Destroys each open connection once it has gone `stallMs` without traffic. */
  dropStalled(stallMs: number): void;
}
