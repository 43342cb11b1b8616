import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How long a closing connection keeps reading (and dropping) an upload it answered early. */
export const LINGER_MS = 5000;

const lingering = new WeakSet<Socket>();

/**
 * Arms a lingering close for a connection whose answer goes out before its
 * upload was read to the end (a 413, a 422 found in the first bytes, a
 * timeout). Node closes such a connection as soon as the answer is written;
 * closing a socket with unread bytes makes the kernel send a reset, and a
 * client still sending then sees "broken pipe" or "connection reset" instead
 * of the answer. Instead the answer is sent, the server's side is shut
 * (FIN), and the rest of the upload is read and dropped until the client
 * stops sending, closes its side, or `lingerMs` passes (as nginx's
 * lingering close); then the socket is destroyed. Call it before the answer
 * is sent, on a response that carries `Connection: close`.
 *
 * @example
 * ```ts
 * app.addHook('onSend', async (request, reply) => {
 *   if (!request.raw.complete) {
 *     void reply.header('connection', 'close');
 *     lingerAfterAnswer(request.raw);
 *   }
 * });
 * ```
 */
export function lingerAfterAnswer(request: IncomingMessage, lingerMs = LINGER_MS): void {
  const socket = request.socket as Socket | null;
  if (!socket || socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  // Node's server calls destroySoon() once a `Connection: close` answer is written.
  socket.destroySoon = () => {
    socket.end();
    // Once the answer (and the FIN) is out; at the latest when the time is up.
    const close = () => (socket.writableFinished ? socket.destroy() : socket.once('finish', () => socket.destroy()));
    const timer = setTimeout(() => socket.destroy(), lingerMs);
    socket.once('close', () => clearTimeout(timer));
    socket.once('end', close);
    if (request.complete) {
      close();
      return;
    }
    request.once('end', close);
    dropRest(request);
  };
}

/** Reads a request body to its end and drops it (whoever was reading it has given up). */
function dropRest(request: IncomingMessage): void {
  request.unpipe();
  const drop = () => {
    while (request.read() !== null);
  };
  request.on('readable', drop);
  drop();
}
