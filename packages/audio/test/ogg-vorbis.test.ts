import { decodeChunked } from '@audio/decode';
import { decoder as openVorbisDecoder } from '@audio/decode-vorbis';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeOggVorbisChunks, fastPacketsFor, type WasmVorbisDecoder } from '../src/ogg-vorbis.js';

// The reference is the library path the decoder replaced: @audio/decode's decodeChunked(…, 'oga').
// Ours must give the same pieces, bit for bit, or the same error.

const here = dirname(fileURLToPath(import.meta.url));
const fixture = new Uint8Array(readFileSync(join(here, 'fixtures', 'sine-stereo.ogg')));

function split(bytes: Uint8Array, size: number): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.slice(at, at + size));
  return chunks;
}

async function* fromChunks(chunks: Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

type Outcome = { pieces: { sampleRate: number; channelData: Float32Array[] }[] } | { error: string };

async function collect(pieces: AsyncIterable<{ sampleRate: number; channelData: Float32Array[] }>): Promise<Outcome> {
  const out: { sampleRate: number; channelData: Float32Array[] }[] = [];
  try {
    for await (const piece of pieces) out.push({ sampleRate: piece.sampleRate, channelData: piece.channelData.map((c) => c.slice()) });
    return { pieces: out };
  } catch (error) {
    return { error: String(error) };
  }
}

/** Bit-exact comparison of two outcomes; returns a description of the first difference, or ''. */
function difference(a: Outcome, b: Outcome): string {
  if ('error' in a || 'error' in b) return JSON.stringify('error' in a ? a.error : 'ok') === JSON.stringify('error' in b ? b.error : 'ok') ? '' : 'errors differ';
  if (a.pieces.length !== b.pieces.length) return `${a.pieces.length} pieces vs ${b.pieces.length}`;
  for (let p = 0; p < a.pieces.length; p++) {
    const x = a.pieces[p]!;
    const y = b.pieces[p]!;
    if (x.sampleRate !== y.sampleRate || x.channelData.length !== y.channelData.length) return `piece ${p}: format differs`;
    for (let c = 0; c < x.channelData.length; c++) {
      const u = x.channelData[c]!;
      const v = y.channelData[c]!;
      if (u.length !== v.length) return `piece ${p} channel ${c}: ${u.length} vs ${v.length} samples`;
      for (let i = 0; i < u.length; i++) if (!Object.is(u[i], v[i])) return `piece ${p} channel ${c} sample ${i}: ${u[i]} vs ${v[i]}`;
    }
  }
  return '';
}

async function compare(chunks: Uint8Array[]): Promise<Outcome> {
  const ours = await collect(decodeOggVorbisChunks(fromChunks(chunks)));
  const library = await collect(decodeChunked(fromChunks(chunks), 'oga') as AsyncIterable<{ sampleRate: number; channelData: Float32Array[] }>);
  const slow = await collect(decodeOggVorbisChunks(fromChunks(chunks), { fastPackets: false }));
  expect(difference(ours, library)).toBe('');
  expect(difference(slow, library)).toBe('');
  return ours;
}

const samplesOf = (outcome: Outcome) => ('pieces' in outcome ? outcome.pieces.reduce((n, p) => n + (p.channelData[0]?.length ?? 0), 0) : -1);

describe('Ogg Vorbis decoding without the per-packet glue', () => {
  it('uses the fast packet loop with this version of the decoder, and not with unknown internals', async () => {
    const codec = (await openVorbisDecoder()) as unknown as { _decoder: WasmVorbisDecoder; free(): void };
    try {
      expect(fastPacketsFor(codec._decoder)).not.toBeNull();
      expect(fastPacketsFor({ ...codec._decoder, _samplesDecoded: undefined } as unknown as WasmVorbisDecoder)).toBeNull();
      expect(fastPacketsFor({ ...codec._decoder, _common: { wasm: {} } } as unknown as WasmVorbisDecoder)).toBeNull();
    } finally {
      codec.free();
    }
  });

  it.each([1000, 4096, 65536, fixture.length])('equals the library on a stereo file read in %i-byte chunks', async (size) => {
    const outcome = await compare(split(fixture, size));
    // 1.5 s at 44.1 kHz, trimmed to the last page's granule position.
    expect(samplesOf(outcome)).toBe(66150);
  });

  it('equals the library on a truncated file, on trailing garbage and on two chained streams', async () => {
    for (const cut of [0.3, 0.55, 0.9]) await compare(split(fixture.slice(0, Math.floor(fixture.length * cut)), 2048));
    const garbage = new Uint8Array(fixture.length + 3000);
    garbage.set(fixture);
    for (let i = fixture.length; i < garbage.length; i++) garbage[i] = (i * 7919) & 255;
    await compare(split(garbage, 4096));
    const chained = new Uint8Array(fixture.length * 2);
    chained.set(fixture);
    chained.set(fixture, fixture.length);
    await compare(split(chained, 4096));
    await compare([chained]);
  });

  it('equals the library on corrupted pages (flipped bytes inside packets)', async () => {
    const corrupt = fixture.slice();
    for (let i = 6000; i < corrupt.length; i += 977) corrupt[i] = corrupt[i]! ^ 0x5a;
    await compare(split(corrupt, 4096));
  });

  // Real songs (Debian's game soundtracks, ../shared/corpus/install_corpus.sh) when installed.
  const corpusScript = join(here, '..', '..', '..', '..', 'shared', 'corpus', 'install_corpus.sh');
  const installed = (() => {
    try {
      execFileSync('dpkg', ['-s', 'wesnoth-1.16-music'], { stdio: 'ignore' });
      return existsSync(corpusScript);
    } catch {
      return false;
    }
  })();
  const tracks = installed
    ? execFileSync('bash', [corpusScript], { encoding: 'utf8' })
        .split('\n')
        .filter((t) => ['victory.ogg', 'silence.ogg', 'weight_of_revenge.ogg'].includes(basename(t)))
    : [];
  if (!installed) console.warn('ogg-vorbis: real-corpus test skipped: wesnoth-1.16-music not installed');
  it.skipIf(!tracks.length).each(tracks)('equals the library on %s, read in 64 KiB chunks', async (track) => {
    const outcome = await compare(split(new Uint8Array(readFileSync(track)), 65536));
    expect(samplesOf(outcome)).toBeGreaterThan(0);
  }, 120_000);
});
