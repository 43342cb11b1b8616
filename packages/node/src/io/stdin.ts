/** The argument that means "read this from standard input". */
export const STDIN = '-';

/** Why `-` cannot be read when standard input is a terminal. */
export const STDIN_IS_TERMINAL = '"-" reads from standard input, but it is a terminal: pipe something in (cat song.ogg | refractor score -)';

/**
 * Reads all of standard input into memory (decoders need the bytes, and a
 * pipe can be read only once). Refuses a terminal, where it would wait for
 * typing that never comes.
 *
 * @example
 * ```ts
 * const bytes = await readStdin(); // cat song.ogg | refractor score -
 * ```
 */
export async function readStdin(stream: NodeJS.ReadStream = process.stdin): Promise<Uint8Array> {
  if (stream.isTTY) throw new Error(STDIN_IS_TERMINAL);
  const parts: Buffer[] = [];
  for await (const part of stream) parts.push(typeof part === 'string' ? Buffer.from(part) : (part as Buffer));
  return new Uint8Array(Buffer.concat(parts));
}
