/**
 * Cut-short Ogg files: the decoders stop quietly at the last whole packet, so
 * the container is what tells. A whole file (the repo's 40 s example and the
 * encoded fixtures) passes; the same file cut with `head -c` at any length is
 * reported, with the seconds its whole pages hold; non-Ogg data is not judged.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeAudio, oggTruncation } from '../src/index.js';
import { oggFileTruncation } from '../src/node.js';

const CLIP = join(import.meta.dirname, '..', '..', '..', 'examples', 'clip.ogg');
const FIXTURES = join(import.meta.dirname, 'fixtures');
const inMemory = (bytes: Uint8Array) => oggTruncation(bytes.length, (offset, length) => bytes.subarray(offset, offset + length));
const work = mkdtempSync(join(tmpdir(), 'refractor-ogg-end-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('oggTruncation', () => {
  it('passes whole Ogg Vorbis and Opus files, and says nothing about other formats', async () => {
    for (const file of [CLIP, join(FIXTURES, 'sine-stereo.ogg'), join(FIXTURES, 'sine440-mono.opus')]) {
      expect(await inMemory(new Uint8Array(readFileSync(file))), file).toBeUndefined();
      expect(await oggFileTruncation(file), file).toBeUndefined();
    }
    for (const file of ['sine440-mono.flac', 'sine440-mono.mp3']) expect(await inMemory(new Uint8Array(readFileSync(join(FIXTURES, file))))).toBeUndefined();
    expect(await inMemory(new Uint8Array(0))).toBeUndefined();
  });

  it('reports the 40 s example cut short (head -c 200000): inside a page, with the seconds the whole pages hold, which the decoder also stops near', async () => {
    const whole = new Uint8Array(readFileSync(CLIP));
    const cutBytes = whole.subarray(0, 200_000);
    const path = join(work, 'cut.ogg');
    writeFileSync(path, cutBytes);
    const cut = await oggFileTruncation(path);
    expect(cut?.reason).toMatch(/^the file ends inside the Ogg page at byte \d+ \(\d+ of its \d+ bytes are there\)$/);
    const decoded = await decodeAudio(cutBytes, { name: 'cut.ogg' });
    const decodedSeconds = decoded.channels[0]!.length / decoded.sampleRate;
    expect(decodedSeconds).toBeLessThan(39);
    // The complete pages' granule position is an independent count of the samples a decoder can give.
    expect(Math.abs(cut!.completeSeconds! - decodedSeconds)).toBeLessThan(0.1);
  });

  it('reports a file cut exactly at a page boundary (no end-of-stream page), and at every other cut length tried', async () => {
    const whole = new Uint8Array(readFileSync(CLIP));
    // Page starts: every "OggS" that begins a page.
    const starts: number[] = [];
    for (let i = 0; i + 4 <= whole.length; i++) if (whole[i] === 0x4f && whole[i + 1] === 0x67 && whole[i + 2] === 0x67 && whole[i + 3] === 0x53) starts.push(i);
    const boundary = starts[Math.floor(starts.length / 2)]!;
    expect((await inMemory(whole.subarray(0, boundary)))?.reason).toMatch(/has no end-of-stream flag/);
    for (const length of [10, 27, 40, 5000, 100_000, whole.length - 1]) {
      expect(await inMemory(whole.subarray(0, length)), `${length} bytes`).toBeDefined();
    }
    copyFileSync(CLIP, join(work, 'whole.ogg'));
    expect(await oggFileTruncation(join(work, 'whole.ogg'))).toBeUndefined();
  });
});
