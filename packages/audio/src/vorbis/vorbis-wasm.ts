import { decodeBase64 } from '../wasm.js';
import { VORBIS_WASM_BASE64 } from './vorbis-wasm-bytes.js';

// The JS half of our WebAssembly Vorbis decoder (native/vorbis-decoder.c, built by
// scripts/build-vorbis-wasm.mjs): moves packets into its memory and samples out.

/** The C functions (see native/vorbis-decoder.c), each taking the decoder's address first. */
interface VorbisExports {
  memory: { buffer: ArrayBuffer };
  _initialize(): void;
  vd_create(): number;
  vd_input(decoder: number, bytes: number): number;
  vd_header(decoder: number, length: number, first: number): number;
  vd_start(decoder: number): number;
  vd_channels(decoder: number): number;
  vd_rate(decoder: number): number;
  vd_channel(decoder: number, channel: number): number;
  vd_errors(decoder: number): number;
  vd_decode(decoder: number, count: number): number;
  vd_destroy(decoder: number): void;
}

declare const WebAssembly: {
  compile(bytes: Uint8Array): Promise<object>;
  instantiate(module: object, imports: object): Promise<{ exports: unknown }>;
};

/** What one {@link VorbisWasmDecoder.decode} call gave. */
export interface DecodedPackets {
  /** One array per channel, `samples` long, owned by the caller. */
  channelData: Float32Array[];
  samples: number;
  /** Packets libvorbis refused (they gave no samples). */
  errors: number;
}

let compiled: Promise<object> | undefined;

/**
 * libvorbis's synthesis, compiled to WebAssembly with -O3: headers in, then batches of audio
 * packets in, samples out. One instance (own memory) per decoder. Framing is the caller's job.
 *
 * @example
 * ```ts
 * const decoder = await VorbisWasmDecoder.open();
 * decoder.header(identification, true);
 * decoder.header(setup, false);
 * if (decoder.start()) console.log(decoder.decode(audioPackets).samples);
 * decoder.free();
 * ```
 */
export class VorbisWasmDecoder {
  readonly #wasm: VorbisExports;
  #decoder: number;

  private constructor(wasm: VorbisExports) {
    this.#wasm = wasm;
    this.#decoder = this.#created();
  }

  /** A new decoder. Compiles the module on first use (asynchronously: browsers refuse to compile a module this size synchronously on the main thread). */
  static async open(): Promise<VorbisWasmDecoder> {
    compiled ??= WebAssembly.compile(decodeBase64(VORBIS_WASM_BASE64));
    const instance = await WebAssembly.instantiate(await compiled, {
      // The C code never exits or watches memory growth; standalone builds import both anyway.
      env: { emscripten_notify_memory_growth() {} },
      wasi_snapshot_preview1: {
        proc_exit(code: number) {
          throw new Error(`the Vorbis decoder aborted (${code})`);
        },
      },
    });
    const wasm = instance.exports as VorbisExports;
    wasm._initialize();
    return new VorbisWasmDecoder(wasm);
  }

  /** Forgets the stream: headers, state and position, as a new decoder would. */
  reset(): void {
    this.#wasm.vd_destroy(this.#decoder);
    this.#decoder = this.#created();
  }

  /** Reads a header packet: the identification header when `first`, else the setup header. 0, or libvorbis's error code. */
  header(packet: Uint8Array, first: boolean): number {
    this.#input(packet.length).set(packet);
    return this.#wasm.vd_header(this.#decoder, packet.length, first ? 1 : 0);
  }

  /** Starts synthesis once the headers are in; false when they were not usable (then every packet is refused). */
  start(): boolean {
    return this.#wasm.vd_start(this.#decoder) === 0;
  }

  /** Channels of the stream, 0 before a successful {@link start}. */
  get channels(): number {
    return this.#wasm.vd_channels(this.#decoder);
  }

  /** Sample rate from the identification header, 0 before it. */
  get sampleRate(): number {
    return this.#wasm.vd_rate(this.#decoder);
  }

  /** Decodes audio packets in order; their samples are copied once, out of WebAssembly memory. */
  decode(packets: readonly Uint8Array[]): DecodedPackets {
    const wasm = this.#wasm;
    let bytes = 4 * packets.length;
    for (const packet of packets) bytes += packet.length;
    const input = this.#input(bytes);
    const lengths = new Uint32Array(input.buffer, input.byteOffset, packets.length);
    let at = 4 * packets.length;
    for (let i = 0; i < packets.length; i++) {
      const packet = packets[i]!;
      lengths[i] = packet.length;
      input.set(packet, at);
      at += packet.length;
    }
    const samples = wasm.vd_decode(this.#decoder, packets.length);
    if (samples < 0) throw new Error('the Vorbis decoder ran out of memory');
    const channelData: Float32Array[] = [];
    // Read after decoding: growing the memory replaced its buffer.
    for (let c = 0, channels = this.channels; c < channels; c++) {
      channelData.push(new Float32Array(wasm.memory.buffer, wasm.vd_channel(this.#decoder, c), samples).slice());
    }
    return { channelData, samples, errors: wasm.vd_errors(this.#decoder) };
  }

  /** Frees the decoder; its instance's memory goes with the object. */
  free(): void {
    if (this.#decoder) this.#wasm.vd_destroy(this.#decoder);
    this.#decoder = 0;
  }

  #created(): number {
    const decoder = this.#wasm.vd_create();
    if (!decoder) throw new Error('the Vorbis decoder ran out of memory');
    return decoder;
  }

  /** The decoder's input buffer, at least `bytes` long, as a view of the current memory. */
  #input(bytes: number): Uint8Array {
    const at = this.#wasm.vd_input(this.#decoder, Math.max(bytes, 1));
    if (!at) throw new Error('the Vorbis decoder ran out of memory');
    return new Uint8Array(this.#wasm.memory.buffer, at, bytes);
  }
}
