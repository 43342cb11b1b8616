// codec-parser pinned to 2.5.0, the Ogg parser @audio/decode 3.14.0 uses: which pages and packets
// a cut, corrupt or chained stream yields is that parser's behaviour, and ours must not differ.
import CodecParser, { type CodecValue, type OggPage, type VorbisHeader } from 'codec-parser';
import { OGG_BOS_FLAG, OGG_EOS_FLAG, OGG_PAGE_HEADER_BYTES, isOggPageAt } from './ogg-page.js';
import type { VorbisWasmDecoder } from './vorbis/vorbis-wasm.js';

/** One decoded piece, as `@audio/decode`'s `decodeChunked` yields it. */
export interface DecodedPiece {
  channelData: Float32Array[];
  sampleRate: number;
}

/**
 * Decodes an Ogg Vorbis byte stream to the same pieces, bit for bit, as `decodeChunked(source,
 * 'oga')` of `@audio/decode` 3.14.0 — same Ogg parser (codec-parser), same libvorbis calls in the
 * same order, same end trimming, same channel order — in about 0.2 s less CPU per 4-minute song:
 *
 * - libvorbis is our own WebAssembly build (vorbis/vorbis-wasm.ts: -O3, link-time optimisation,
 *   larger Huffman lookup tables; see scripts/build-vorbis-wasm.mjs); the library's is built for
 *   size;
 * - each input chunk's packets go to WebAssembly in one call, not one call and two Float32Arrays
 *   per packet (~10,000 per song) concatenated afterwards into a third copy.
 *
 * A chunk that is one complete Ogg stream on its own is decoded on its own, and the next chunk
 * starts afresh, as in the library (it treats such a chunk as a whole file).
 *
 * @example
 * ```ts
 * for await (const piece of decodeOggVorbisChunks(chunks)) console.log(piece.sampleRate, piece.channelData.length);
 * ```
 */
export async function* decodeOggVorbisChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<DecodedPiece> {
  // Imported on first use: the decoder's 110 kB of WebAssembly stays out of bundles' first chunk
  // and out of programs that never see an Ogg file.
  const { VorbisWasmDecoder } = await import('./vorbis/vorbis-wasm.js');
  const decoder = await VorbisWasmDecoder.open();
  try {
    let stream = new OggVorbisStream(decoder);
    // Set after a chunk that was a whole stream: the next chunk starts a new one.
    let restart = false;
    for await (const chunk of source) {
      if (!chunk.length) continue;
      if (restart) {
        decoder.reset();
        stream = new OggVorbisStream(decoder);
        restart = false;
      }
      const piece = stream.decodeChunk(chunk);
      restart = stream.wholeStream;
      if (piece) yield piece;
    }
    if (!restart) {
      const piece = stream.flush();
      if (piece) yield piece;
    }
  } finally {
    decoder.free();
  }
}

/** Vorbis channel order → the order @audio/decode gives (WAVE's), for 3 to 8 channels. */
const CHANNEL_ORDER: Readonly<Record<number, readonly number[]>> = {
  3: [0, 2, 1],
  5: [0, 2, 1, 3, 4],
  6: [0, 2, 1, 5, 3, 4],
  7: [0, 2, 1, 6, 5, 3, 4],
  8: [0, 2, 1, 7, 5, 6, 3, 4],
};

/** One logical run of the decoder: a parser, the headers once, the samples so far for trimming. */
class OggVorbisStream {
  readonly #decoder: VorbisWasmDecoder;
  readonly #parser = new CodecParser<OggPage>('audio/ogg', {
    onCodec: (codec: CodecValue) => {
      if (codec !== 'vorbis') throw new Error(`the Ogg stream holds ${codec}, not Vorbis`);
    },
    enableFrameCRC32: false,
  });
  readonly #pages = new WholePages();
  #inSetup = true;
  #firstHeader = true;
  #samples = 0;
  #fresh = true;
  /** The last chunk was a complete stream by itself (decoded with parseAll). */
  wholeStream = false;

  constructor(decoder: VorbisWasmDecoder) {
    this.#decoder = decoder;
  }

  decodeChunk(chunk: Uint8Array): DecodedPiece | null {
    if (this.#fresh && isCompleteOggStream(chunk)) {
      this.wholeStream = true;
      return this.#decodePages(this.#parser.parseAll(chunk));
    }
    this.#fresh = false;
    return this.#decodePages(Array.from(iterate(this.#parser.parseChunk(this.#pages.push(chunk)))));
  }

  flush(): DecodedPiece | null {
    return this.#decodePages(Array.from(iterate(this.#parser.flush())));
  }

  #decodePages(pages: OggPage[]): DecodedPiece | null {
    const packets: Uint8Array[] = [];
    for (const page of pages) {
      if (this.#inSetup) {
        // As the library: a page starting with packet type 1 is the identification header; the
        // first page with audio carries the setup header codec-parser found (comments skipped).
        if (page.data[0] === 1) this.#header(page.data);
        if (page.codecFrames.length) {
          this.#header((page.codecFrames[0]!.header as VorbisHeader).vorbisSetup);
          this.#decoder.start();
          this.#inSetup = false;
        }
      }
      for (const frame of page.codecFrames) packets.push(frame.data);
    }
    if (!packets.length) return null;
    const decoded = this.#decoder.decode(packets);
    let { channelData, samples } = decoded;
    const order = CHANNEL_ORDER[channelData.length];
    if (order) channelData = order.map((c) => channelData[c]!);
    this.#samples += samples;
    const last = pages[pages.length - 1];
    if (last?.isLastPage) {
      // Samples past the last page's granule position are padding of the final block.
      const extra = this.#samples - last.totalSamples;
      if (extra > 0) {
        const keep = Math.max(0, samples - extra);
        channelData = channelData.map((channel) => channel.subarray(0, keep));
        this.#samples -= samples - keep;
        samples = keep;
      }
    }
    if (!samples || !channelData.length) return null;
    return { channelData, sampleRate: this.#decoder.sampleRate };
  }

  #header(packet: Uint8Array): void {
    this.#decoder.header(packet, this.#firstHeader);
    this.#firstHeader = false;
  }
}

function* iterate<T>(iterator: Iterator<T>): Generator<T> {
  for (let step = iterator.next(); !step.done; step = iterator.next()) yield step.value;
}

/** Where the page starting at `at` ends, or -1 when its header or body runs past the data. */
function pageEnd(bytes: Uint8Array, at: number): number {
  if (at + OGG_PAGE_HEADER_BYTES > bytes.length) return -1;
  const body = at + OGG_PAGE_HEADER_BYTES + bytes[at + 26]!;
  if (body > bytes.length) return -1;
  let end = body;
  for (let i = at + OGG_PAGE_HEADER_BYTES; i < body; i++) end += bytes[i]!;
  return end > bytes.length ? -1 : end;
}

/**
 * Hands codec-parser whole pages only, keeping a partial page for the next chunk, as the library
 * does. Bytes between pages pass through; a tail that cannot start a page is passed on except its
 * last 3 bytes (they may begin "OggS").
 */
class WholePages {
  #tail: Uint8Array | null = null;

  push(chunk: Uint8Array): Uint8Array {
    let bytes = chunk;
    if (this.#tail) {
      bytes = new Uint8Array(this.#tail.length + chunk.length);
      bytes.set(this.#tail);
      bytes.set(chunk, this.#tail.length);
    }
    const whole = wholePagesLength(bytes);
    this.#tail = whole < bytes.length ? bytes.slice(whole) : null;
    return bytes.subarray(0, whole);
  }
}

function wholePagesLength(bytes: Uint8Array): number {
  let at = 0;
  while (at + OGG_PAGE_HEADER_BYTES <= bytes.length) {
    if (!isOggPageAt(bytes, at)) {
      let next = at + 1;
      while (next + 4 <= bytes.length && !isOggPageAt(bytes, next)) next++;
      if (next + 4 > bytes.length) return Math.max(at, bytes.length - 3);
      at = next;
      continue;
    }
    const end = pageEnd(bytes, at);
    if (end < 0) break;
    at = end;
  }
  return at;
}

/** Whether `bytes` is exactly one Ogg stream: whole version-0 pages from a first page to an end-of-stream page. */
function isCompleteOggStream(bytes: Uint8Array): boolean {
  let at = 0;
  let first = true;
  while (at < bytes.length) {
    if (!isOggPageAt(bytes, at) || bytes[at + 4] !== 0) return false;
    const flags = bytes[at + 5]!;
    if (first && !(flags & OGG_BOS_FLAG)) return false;
    const end = pageEnd(bytes, at);
    if (end < 0) return false;
    if (flags & OGG_EOS_FLAG) return end === bytes.length;
    at = end;
    first = false;
  }
  return false;
}
