// @audio/decode-vorbis pinned to 1.3.4 (the version @audio/decode 3.14.0 resolves): this file
// relies on the internals of its WebAssembly decoder (checked before use, see fastPacketsFor).
// Imported on first use, as @audio/decode does: the decoder's WebAssembly stays out of bundles'
// first chunk and of programs that never see an Ogg file.

/** One decoded piece, as `@audio/decode`'s `decodeChunked` yields it. */
export interface DecodedPiece {
  channelData: Float32Array[];
  sampleRate: number;
}

/** Options for {@link decodeOggVorbisChunks}. */
export interface OggVorbisOptions {
  /**
   * Gather each call's decoded packets straight into one array per channel (default true)
   * instead of the library's one array per packet and channel, concatenated afterwards.
   * Same samples, bit for bit; `false` runs the library's own code (for comparisons).
   */
  fastPackets?: boolean;
}

/**
 * Decodes an Ogg Vorbis byte stream exactly as `decodeChunked(source, 'oga')` of `@audio/decode`
 * does — same Ogg parser (codec-parser), same WebAssembly libvorbis, same calls in the same order,
 * same end trimming, same pieces — but without the per-packet JS glue that cost ~0.1 s of CPU
 * per 4-minute song: the library's `decodePackets` allocates two Float32Arrays per Vorbis packet
 * (~10,000 per song) and then concatenates them into a third copy. Here each packet's samples are
 * copied once, from the decoder's memory into one array per channel per call, which the call
 * returns views of.
 *
 * Falls back to the library's own `decodePackets` (same output, old speed) if the decoder's
 * internals are not the ones this was written against.
 *
 * @example
 * ```ts
 * for await (const piece of decodeOggVorbisChunks(chunks)) console.log(piece.sampleRate, piece.channelData.length);
 * ```
 */
export async function* decodeOggVorbisChunks(source: AsyncIterable<Uint8Array>, options: OggVorbisOptions = {}): AsyncGenerator<DecodedPiece> {
  const { decoder: openVorbisDecoder } = await import('@audio/decode-vorbis');
  const codec = (await openVorbisDecoder()) as unknown as UpstreamCodec;
  let done = false;
  try {
    if (options.fastPackets !== false) {
      const fast = fastPacketsFor(codec._decoder);
      if (fast) codec._decoder.decodePackets = fast;
    }
    for await (const chunk of source) {
      let piece: DecodedPiece;
      try {
        piece = normalize(codec.decode(chunk));
      } catch (error) {
        // As @audio/decode's stream decoder: free on the first error, then rethrow.
        done = true;
        codec.free();
        throw error;
      }
      if (piece.channelData.length) yield piece;
    }
    done = true;
    let flushed: DecodedPiece;
    try {
      flushed = normalize(codec.flush());
    } finally {
      codec.free();
    }
    if (flushed.channelData.length) yield flushed;
  } finally {
    if (!done) codec.free();
  }
}

const EMPTY: DecodedPiece = Object.freeze({ channelData: Object.freeze([]) as unknown as Float32Array[], sampleRate: 0 });

/** @audio/decode's `norm` for a codec that does not upmix mono (Vorbis). */
function normalize(result: UpstreamResult | undefined): DecodedPiece {
  if (!result?.channelData?.length) return EMPTY;
  let { channelData } = result;
  const { sampleRate, samplesDecoded } = result;
  if (samplesDecoded != null && samplesDecoded < channelData[0]!.length) {
    channelData = channelData.map((channel) => channel.subarray(0, samplesDecoded));
  }
  if (!channelData[0]?.length) return EMPTY;
  return { channelData, sampleRate };
}

interface UpstreamResult {
  channelData: Float32Array[];
  sampleRate: number;
  samplesDecoded?: number;
}

interface UpstreamCodec {
  _decoder: WasmVorbisDecoder;
  decode(chunk: Uint8Array): UpstreamResult;
  flush(): UpstreamResult;
  free(): void;
}

/** A typed array the decoder allocated in its WebAssembly memory. */
export interface HeapArray<T> {
  buf: T;
}

/** What @wasm-audio-decoders/ogg-vorbis 0.1.x's Decoder holds (see its decodePackets). */
export interface WasmVorbisDecoder {
  decodePackets(packets: Uint8Array[]): unknown;
  _decoder: number;
  _common: { wasm: { HEAP: ArrayBuffer; decode_packets(decoder: number): void }; codeToString(pointer: number): string };
  _input: HeapArray<Uint8Array>;
  _inputLen: HeapArray<Uint32Array>;
  _outputBufferPtr: HeapArray<Uint32Array>;
  _channels: HeapArray<Uint32Array>;
  _sampleRate: HeapArray<Uint32Array>;
  _samplesDecoded: HeapArray<Uint32Array>;
  _errors: HeapArray<Uint32Array>;
  _errorsLength: HeapArray<Int32Array>;
  _frameNumber: number;
  _inputBytes: number;
  _outputSamples: number;
  _WASMAudioDecoderCommon: {
    getDecodedAudio(errors: unknown[], channelData: Float32Array[], samples: number, sampleRate: number, bitDepth: number): unknown;
  };
}

/**
 * A drop-in `decodePackets` for `decoder`: the library's loop — copy the packet in, call
 * `decode_packets`, read the samples and errors — with each channel's samples copied once, into
 * one array per call that the result views. The result equals the library's `getDecodedAudioMultiChannel`: channel c
 * is `samples` long and holds, in packet order, the samples of every packet that had channel c
 * (zeros after, where an earlier packet had fewer channels). Null if the internals differ.
 */
export function fastPacketsFor(decoder: WasmVorbisDecoder): ((packets: Uint8Array[]) => unknown) | null {
  const isHeapArray = (value: unknown, type: new (n: number) => unknown) =>
    typeof value === 'object' && value !== null && (value as HeapArray<unknown>).buf instanceof type;
  const wasm = decoder?._common?.wasm;
  const fits =
    typeof decoder.decodePackets === 'function' &&
    typeof decoder._decoder === 'number' &&
    typeof wasm?.decode_packets === 'function' &&
    wasm.HEAP instanceof ArrayBuffer &&
    typeof decoder._common.codeToString === 'function' &&
    isHeapArray(decoder._input, Uint8Array) &&
    isHeapArray(decoder._inputLen, Uint32Array) &&
    isHeapArray(decoder._outputBufferPtr, Uint32Array) &&
    isHeapArray(decoder._channels, Uint32Array) &&
    isHeapArray(decoder._sampleRate, Uint32Array) &&
    isHeapArray(decoder._samplesDecoded, Uint32Array) &&
    isHeapArray(decoder._errors, Uint32Array) &&
    isHeapArray(decoder._errorsLength, Int32Array) &&
    typeof decoder._WASMAudioDecoderCommon?.getDecodedAudio === 'function';
  if (!fits) return null;
  // The most samples one packet has given (half the long block size): sizes each call's output.
  let perPacket = 1024;
  return (packets) => {
    const errors: unknown[] = [];
    const filled: number[] = [];
    // Each call decodes straight into fresh arrays sized for all its packets, handed out as views:
    // no second copy out of a scratch buffer (~10 ms of CPU per 4-minute song).
    const out: Float32Array[] = [];
    let samples = 0;
    for (const packet of packets) {
      decoder._input.buf.set(packet);
      decoder._inputLen.buf[0] = packet.length;
      decoder._common.wasm.decode_packets(decoder._decoder);
      const decoded = decoder._samplesDecoded.buf[0]!;
      const channels = decoder._channels.buf[0]!;
      const heap = decoder._common.wasm.HEAP;
      const pointers = new Uint32Array(heap, decoder._outputBufferPtr.buf[0]!, channels);
      if (decoded > perPacket) perPacket = decoded;
      for (let c = 0; c < channels; c++) {
        const at = filled[c] ?? 0;
        if (decoded) {
          if (out.length <= c) out.push(new Float32Array(Math.max(decoded, perPacket * packets.length)));
          if (out[c]!.length < at + decoded) out[c] = grow(out[c]!, at, at + decoded);
          out[c]!.set(new Float32Array(heap, pointers[c]!, decoded), at);
        }
        filled[c] = at + decoded;
      }
      samples += decoded;
      decoder._frameNumber++;
      decoder._inputBytes += packet.length;
      decoder._outputSamples += decoded;
      for (let i = 0; i < decoder._errorsLength.buf[0]!; i += 2) {
        errors.push({
          message: `${decoder._common.codeToString(decoder._errors.buf[i]!)} vorbis_synthesis${decoder._common.codeToString(decoder._errors.buf[i + 1]!)}`,
          frameLength: packet.length,
          frameNumber: decoder._frameNumber,
          inputBytes: decoder._inputBytes,
          outputSamples: decoder._outputSamples,
        });
      }
      decoder._errorsLength.buf[0] = 0;
    }
    const channelCount = decoder._channels.buf[0]!;
    const channelData: Float32Array[] = [];
    for (let c = 0; c < channelCount; c++) {
      const have = Math.min(filled[c] ?? 0, samples);
      if (have === samples && out[c]) {
        channelData.push(out[c]!.subarray(0, samples));
      } else {
        // A channel that appeared mid-call (the library zero-fills it the same way).
        const padded = new Float32Array(samples);
        if (have) padded.set(out[c]!.subarray(0, have));
        channelData.push(padded);
      }
    }
    return decoder._WASMAudioDecoderCommon.getDecodedAudio(errors, channelData, samples, decoder._sampleRate.buf[0]!, 16);
  };
}

/** A larger copy of `array` keeping its first `keep` samples (doubling, so growth is amortised). */
function grow(array: Float32Array, keep: number, needed: number): Float32Array {
  const bigger = new Float32Array(Math.max(needed, array.length * 2));
  bigger.set(array.subarray(0, keep));
  return bigger;
}
