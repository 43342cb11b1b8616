/**
 * Whether an Ogg file (Vorbis, Opus) was cut short. The decoders stop quietly
 * at the last whole packet, so a 40 s song missing its tail decodes as a
 * shorter song; the container tells: a complete Ogg stream is whole pages
 * (27-byte header, segment table, body) and its last page carries the
 * end-of-stream flag (RFC 3533). Only page headers are read.
 */

import { OGG_BOS_FLAG, OGG_EOS_FLAG, OGG_PAGE_HEADER_BYTES, isOggPageAt } from './ogg-page.js';

/** Reads `length` bytes at `offset` (fewer at the end of the data). */
export type ByteRangeReader = (offset: number, length: number) => Promise<Uint8Array> | Uint8Array;

/** What is wrong with the end of an Ogg file. */
export interface OggTruncation {
  /** A sentence: where the data stops and what was expected there. */
  reason: string;
  /**
   * Seconds of audio the complete pages hold (the last granule position over the
   * stream's rate), when the first stream's codec header says its rate.
   */
  completeSeconds?: number;
}


/**
 * Walks the pages of an Ogg file of `size` bytes and says how it is cut short,
 * or undefined when every page is whole and every logical stream ends with an
 * end-of-stream page (and for data that is not Ogg at all).
 *
 * @example
 * ```ts
 * const bytes = new Uint8Array(await readFile('cut.ogg'));
 * const cut = await oggTruncation(bytes.length, (offset, length) => bytes.subarray(offset, offset + length));
 * if (cut) console.warn(`cut.ogg: ${cut.reason}`); // 'the file ends inside the Ogg page at byte 196608 (…)'
 * ```
 */
export async function oggTruncation(size: number, read: ByteRangeReader): Promise<OggTruncation | undefined> {
  const ended = new Map<number, boolean>();
  let offset = 0;
  let rate: number | undefined;
  let firstSerial: number | undefined;
  let lastGranule = -1n;
  const seconds = () => (rate !== undefined && lastGranule >= 0n ? Number(lastGranule) / rate : undefined);
  const cut = (reason: string): OggTruncation => {
    const complete = seconds();
    return { reason, ...(complete !== undefined ? { completeSeconds: complete } : {}) };
  };
  if (!isOggPageAt(await read(0, 4), 0)) return undefined; // not an Ogg file: nothing to say
  while (offset < size) {
    const header = await read(offset, OGG_PAGE_HEADER_BYTES);
    if (header.length < OGG_PAGE_HEADER_BYTES) return cut(`the file ends inside the header of the Ogg page at byte ${offset} (${header.length} of ${OGG_PAGE_HEADER_BYTES} bytes)`);
    if (!isOggPageAt(header, 0)) {
      return cut(`byte ${offset} is not the start of an Ogg page ("OggS") after the last whole page`);
    }
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const flags = header[5]!;
    const granule = view.getBigInt64(6, true);
    const serial = view.getUint32(14, true);
    const segmentCount = header[26]!;
    const table = await read(offset + OGG_PAGE_HEADER_BYTES, segmentCount);
    if (table.length < segmentCount) return cut(`the file ends inside the segment table of the Ogg page at byte ${offset}`);
    const bodyBytes = table.reduce((sum, lacing) => sum + lacing, 0);
    const pageBytes = OGG_PAGE_HEADER_BYTES + segmentCount + bodyBytes;
    if (offset + pageBytes > size) {
      return cut(`the file ends inside the Ogg page at byte ${offset} (${size - offset} of its ${pageBytes} bytes are there)`);
    }
    if (flags & OGG_BOS_FLAG && firstSerial === undefined) {
      firstSerial = serial;
      rate = codecRate(await read(offset + OGG_PAGE_HEADER_BYTES + segmentCount, Math.min(bodyBytes, 32)));
    }
    if (serial === firstSerial && granule >= 0n) lastGranule = granule;
    ended.set(serial, (flags & OGG_EOS_FLAG) !== 0);
    offset += pageBytes;
  }
  const open = [...ended].filter(([, eos]) => !eos).map(([serial]) => serial);
  if (open.length > 0) {
    return cut(`the last Ogg page of stream ${open.join(', ')} has no end-of-stream flag: the file stops after whole pages, but before the stream's end`);
  }
  return undefined;
}

/** The granule rate of a stream from its first packet: Vorbis's sample rate; Opus always counts at 48 kHz. */
function codecRate(packet: Uint8Array): number | undefined {
  const text = (from: number, to: number) => String.fromCharCode(...packet.subarray(from, to));
  if (packet.length >= 16 && packet[0] === 1 && text(1, 7) === 'vorbis') {
    return new DataView(packet.buffer, packet.byteOffset, packet.byteLength).getUint32(12, true) || undefined;
  }
  if (text(0, 8) === 'OpusHead') return 48_000;
  return undefined;
}
