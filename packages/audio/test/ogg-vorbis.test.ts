import { decodeChunked } from '@audio/decode';
import CodecParser, { type OggPage, type VorbisHeader } from 'codec-parser';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeOggVorbisChunks } from '../src/ogg-vorbis.js';
import { VorbisWasmDecoder } from '../src/vorbis/vorbis-wasm.js';

// The reference is the library path the decoder replaced: @audio/decode's decodeChunked(…, 'oga'),
// with its own parser glue and its own WebAssembly libvorbis. Ours (our libvorbis build, with its
// larger Huffman tables) must give the same pieces, bit for bit, or fail where it fails.

const here = dirname(fileURLToPath(import.meta.url));
const readFixture = (name: string) => new Uint8Array(readFileSync(join(here, 'fixtures', name)));
const fixture = readFixture('sine-stereo.ogg');

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

/**
 * Where two outcomes with the same pieces, channels and lengths first differ, in samples per
 * channel from the start (Infinity when they do not), and how many samples differ over all
 * channels; null when their shapes differ or either failed.
 */
function divergence(a: Outcome, b: Outcome): { first: number; differing: number } | null {
  if ('error' in a || 'error' in b || a.pieces.length !== b.pieces.length) return null;
  let first = Infinity;
  let differing = 0;
  let offset = 0;
  for (let p = 0; p < a.pieces.length; p++) {
    const x = a.pieces[p]!.channelData;
    const y = b.pieces[p]!.channelData;
    if (x.length !== y.length) return null;
    for (let c = 0; c < x.length; c++) {
      if (x[c]!.length !== y[c]!.length) return null;
      for (let i = 0; i < x[c]!.length; i++) {
        if (Object.is(x[c]![i], y[c]![i])) continue;
        differing++;
        first = Math.min(first, offset + i);
      }
    }
    offset += x[0]?.length ?? 0;
  }
  return { first, differing };
}

async function compare(chunks: Uint8Array[]): Promise<Outcome> {
  const ours = await collect(decodeOggVorbisChunks(fromChunks(chunks)));
  const library = await collect(decodeChunked(fromChunks(chunks), 'oga') as AsyncIterable<{ sampleRate: number; channelData: Float32Array[] }>);
  expect(difference(ours, library)).toBe('');
  return ours;
}

const samplesOf = (outcome: Outcome) => ('pieces' in outcome ? outcome.pieces.reduce((n, p) => n + (p.channelData[0]?.length ?? 0), 0) : -1);

describe('Ogg Vorbis decoding with our libvorbis build', () => {
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

  // Damaged audio packets: libvorbis decodes them to garbage, and the garbage of two builds can
  // differ. Ours equals native libvorbis 1.3.7 (gcc, through libogg, checked by hand on a damaged
  // file: every sample); the library's build differs from both after the first damaged packet. So the
  // test asks for the same pieces and lengths, and the same samples up to the damage.
  // The fixture's audio pages are bytes 4291–7868 and 7868–9694: the damage is in the second.
  it.each([
    [7900, 977],
    [8000, 61],
    [7870, 13],
  ])('matches the library up to damaged audio packets, and in length (damage from byte %i every %i)', async (start, step) => {
    const damaged = fixture.slice();
    for (let i = start; i < damaged.length; i += step) damaged[i] = damaged[i]! ^ ((i * 131) & 255 || 1);
    const chunks = split(damaged, 4096);
    const ours = await collect(decodeOggVorbisChunks(fromChunks(chunks)));
    const library = await collect(decodeChunked(fromChunks(chunks), 'oga') as AsyncIterable<{ sampleRate: number; channelData: Float32Array[] }>);
    const diverged = divergence(ours, library);
    expect(diverged).not.toBeNull();
    // The pages before the damage decode alone to this many samples; they must be the same bits.
    const intact = samplesOf(await compare(split(fixture.slice(0, start), 4096)));
    expect(intact).toBeGreaterThan(0);
    expect(diverged!.first).toBeGreaterThanOrEqual(intact);
  });

  it('equals the library when a header is damaged', async () => {
    // Byte offsets inside the first two pages: the identification header, then the comment and
    // setup headers (the setup header is where the codebooks are).
    for (const at of [30, 40, 60, 200, 600, 1200, 2500, 3500]) {
      const damaged = fixture.slice();
      damaged[at] = damaged[at]! ^ 0xff;
      await compare(split(damaged, 4096));
    }
  });

  it('equals the library when each chunk is a whole stream (the library restarts per chunk)', async () => {
    await compare([fixture, fixture]);
    await compare([fixture, fixture.slice(0, 5000), fixture.slice(5000)]);
    await compare([fixture, new Uint8Array(0), fixture]);
  });

  it('equals the library on six channels (reordered to WAVE order) and on mono at 48 kHz', async () => {
    const six = await compare(split(readFixture('sines-6ch.ogg'), 4096));
    expect('pieces' in six && six.pieces[0]!.channelData.length).toBe(6);
    expect(samplesOf(six)).toBe(0.4 * 44100);
    const mono = await compare(split(readFixture('sine440-mono-48k.ogg'), 1500));
    expect('pieces' in mono && mono.pieces.every((p) => p.channelData.length === 1 && p.sampleRate === 48000)).toBe(true);
    expect(samplesOf(mono)).toBe(0.6 * 48000);
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

describe('VorbisWasmDecoder, the WebAssembly libvorbis on its own', () => {
  // The fixture's packets as codec-parser frames them: identification header, setup header, audio.
  const pages = new CodecParser<OggPage>('audio/ogg', { enableFrameCRC32: false }).parseAll(fixture);
  const identification = pages[0]!.data;
  const audioPages = pages.filter((page) => page.codecFrames.length);
  const setup = (audioPages[0]!.codecFrames[0]!.header as VorbisHeader).vorbisSetup;
  const audio = audioPages.flatMap((page) => page.codecFrames.map((frame) => frame.data));

  it('decodes once the headers are in, and refuses audio (no samples, counted) before', async () => {
    const decoder = await VorbisWasmDecoder.open();
    try {
      expect(decoder.decode(audio.slice(0, 5))).toMatchObject({ samples: 0, errors: 5, channelData: [] });
      expect(decoder.header(audio[0]!, true)).toBeLessThan(0); // an audio packet is not a header
      expect(decoder.start()).toBe(false);
      expect(decoder.header(identification, true)).toBe(0);
      expect(decoder.header(setup, false)).toBe(0);
      expect(decoder.start()).toBe(true);
      expect([decoder.channels, decoder.sampleRate]).toEqual([2, 44100]);
      const decoded = decoder.decode(audio);
      expect(decoded.errors).toBe(0);
      // Every packet's samples, before trimming to the last granule position (66150).
      expect(decoded.samples).toBeGreaterThanOrEqual(66150);
      expect(decoded.channelData.map((channel) => channel.length)).toEqual([decoded.samples, decoded.samples]);
    } finally {
      decoder.free();
    }
  });

  it('forgets the stream on reset: the same packets give the same samples again', async () => {
    const decoder = await VorbisWasmDecoder.open();
    const run = () => {
      decoder.header(identification, true);
      decoder.header(setup, false);
      decoder.start();
      return decoder.decode(audio);
    };
    try {
      const first = run();
      decoder.reset();
      const second = run();
      expect(second.samples).toBe(first.samples);
      for (let c = 0; c < 2; c++) expect(Buffer.from(second.channelData[c]!.buffer).equals(Buffer.from(first.channelData[c]!.buffer))).toBe(true);
      // Without the reset the identification header is refused (the stream has one already).
      expect(decoder.header(identification, true)).toBeLessThan(0);
    } finally {
      decoder.free();
    }
  });
});
