import { Writable } from 'node:stream';
import { createServer, type ServerOptions } from '../src/index.js';
import { makeWav, sine } from '@refractor/test-helpers';

export const CLIP = new URL('../../../examples/clip.ogg', import.meta.url).pathname;

/** A running server on 127.0.0.1 with the tiny models, and the log lines it wrote. */
export interface TestServer {
  url: string;
  logs: string[];
  close: () => Promise<void>;
}

/** Starts the real server on a free loopback port and waits for its models. */
export async function startServer(options: ServerOptions = {}): Promise<TestServer> {
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const { app, ready } = createServer({ models: 'tiny', offline: true, logger: { level: 'info', stream }, ...options });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  await ready;
  return { url, logs, close: () => app.close() };
}

/** A stereo 16-bit WAV at 44.1 kHz: two sines. */
export function wav(seconds: number, frequency: number): Uint8Array {
  return makeWav({ sampleRate: 44100, channels: [sine(frequency, seconds, 44100, 0.4), sine(frequency * 1.5, seconds, 44100, 0.2)], bits: 16 });
}

/** POSTs a raw body. */
export function postRaw(url: string, body: Uint8Array | string | undefined, contentType?: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', ...(body !== undefined ? { body } : {}), headers: { ...(contentType ? { 'content-type': contentType } : {}), ...headers } });
}

/** A form with fields first, then files (name, bytes, filename). */
export function form(fields: Record<string, string | string[]>, files: Array<[string, Uint8Array | string, string]>): FormData {
  const data = new FormData();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) data.append(name, v);
  for (const [name, bytes, filename] of files) data.append(name, new Blob([bytes]), filename);
  return data;
}

export async function json(response: Response): Promise<any> {
  return JSON.parse(await response.text());
}
