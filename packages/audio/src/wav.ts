import { AudioDecodeError } from './errors.js';
import type { PcmBlock } from './pcm.js';
import { ascii } from './sniff.js';

// Hand-written rather than @audio/decode-wav because (1) the original pipeline
// read WAVs through libsndfile, which scales integer PCM symmetrically
// (code / 2^(bits-1)) while that decoder divides positive codes by
// 2^(bits-1) - 1, moving samples by up to one LSB; and (2) a header that
// declares more data than the file holds must be an error, not a silent short read.

const FORMAT_PCM = 0x0001;
const FORMAT_FLOAT = 0x0003;
const FORMAT_EXTENSIBLE = 0xfffe;
const CODEC_NAMES: Record<number, string> = { 0x0002: 'MS ADPCM', 0x0006: 'A-law', 0x0007: 'µ-law', 0x0011: 'IMA ADPCM', 0x0055: 'MP3' };
/** The largest header (chunks before `data`) we buffer before giving up. */
const MAX_HEADER_BYTES = 16 * 1024 * 1024;

interface WavHeader {
  encoding: 'int' | 'float';
  bitsPerSample: number;
  channelCount: number;
  sampleRate: number;
  blockAlign: number;
  /** Bytes of audio the header declares, or Infinity for a streaming placeholder. */
  dataBytes: number;
}

/**
 * Incremental WAV (RIFF/RF64) reader: feed it byte chunks, get PCM blocks.
 * PCM 8/16/24/32-bit and IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE, any
 * channel count, scaled exactly as libsndfile does.
 */
export class WavStreamReader {
  private pending: Uint8Array = new Uint8Array(0);
  private header: WavHeader | undefined;
  private dataBytesRead = 0;

  constructor(private readonly file: string) {}

  /** The header once parsed. */
  get format(): { sampleRate: number; channelCount: number; description: string } | undefined {
    const h = this.header;
    if (!h) return undefined;
    return {
      sampleRate: h.sampleRate,
      channelCount: h.channelCount,
      description: `WAV ${h.encoding === 'float' ? 'float' : 'PCM'} ${h.bitsPerSample}-bit`,
    };
  }

  /** Declared number of frames, when the header states it. */
  get declaredFrames(): number | undefined {
    const h = this.header;
    return h && Number.isFinite(h.dataBytes) ? Math.floor(h.dataBytes / h.blockAlign) : undefined;
  }

  /** Consumes bytes; returns decoded audio when whole frames are available. */
  push(bytes: Uint8Array): PcmBlock | undefined {
    let input = this.pending.length ? concat(this.pending, bytes) : bytes;
    this.pending = new Uint8Array(0);
    if (!this.header) {
      const parsed = this.parseHeader(input);
      if (!parsed) {
        if (input.length > MAX_HEADER_BYTES) {
          throw new AudioDecodeError(this.file, 'corrupt', `no 'data' chunk in the first ${MAX_HEADER_BYTES} bytes`);
        }
        this.pending = input.slice();
        return undefined;
      }
      this.header = parsed.header;
      input = input.subarray(parsed.dataStart);
    }
    const header = this.header;
    const remaining = header.dataBytes - this.dataBytesRead;
    const usable = Math.min(input.length, remaining);
    const wholeBytes = usable - (usable % header.blockAlign);
    if (wholeBytes < usable) this.pending = input.slice(wholeBytes, usable);
    if (wholeBytes === 0) return undefined;
    const firstFrame = this.dataBytesRead / header.blockAlign;
    this.dataBytesRead += wholeBytes;
    return {
      channels: decodeFrames(input.subarray(0, wholeBytes), header, this.file, firstFrame),
      sampleRate: header.sampleRate,
    };
  }

  /** Call at the end of the input: throws if the stream stopped early. */
  finish(): void {
    if (!this.header) {
      throw new AudioDecodeError(this.file, 'truncated', 'the file ends inside the WAV header (no complete fmt and data chunks)');
    }
    const { dataBytes, blockAlign } = this.header;
    if (Number.isFinite(dataBytes) && this.dataBytesRead + this.pending.length < dataBytes) {
      const held = this.dataBytesRead + this.pending.length;
      throw new AudioDecodeError(
        this.file,
        'truncated',
        `the header declares ${dataBytes} bytes of audio (${Math.floor(dataBytes / blockAlign)} frames) but the file holds only ${held}`,
      );
    }
  }

  private parseHeader(b: Uint8Array): { header: WavHeader; dataStart: number } | undefined {
    if (b.length < 12) return undefined;
    const riff = ascii(b, 0, 4);
    if ((riff !== 'RIFF' && riff !== 'RF64') || ascii(b, 8, 4) !== 'WAVE') {
      throw new AudioDecodeError(this.file, 'corrupt', 'not a RIFF/WAVE file');
    }
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    let rf64DataBytes: number | undefined;
    let fmt: Omit<WavHeader, 'dataBytes'> | undefined;
    let pos = 12;
    while (pos + 8 <= b.length) {
      const id = ascii(b, pos, 4);
      const size = view.getUint32(pos + 4, true);
      const body = pos + 8;
      if (id === 'data') {
        if (!fmt) throw new AudioDecodeError(this.file, 'corrupt', "the 'data' chunk comes before any 'fmt ' chunk");
        let dataBytes = rf64DataBytes ?? size;
        // 0 and 0xFFFFFFFF are placeholders written by streaming encoders: read to the end.
        if (rf64DataBytes === undefined && (size === 0 || size === 0xffffffff)) dataBytes = Number.POSITIVE_INFINITY;
        return { header: { ...fmt, dataBytes }, dataStart: body };
      }
      if (body + size > b.length) return undefined; // wait for the whole chunk
      if (id === 'fmt ') fmt = this.parseFmt(view, body, size);
      if (id === 'ds64' && size >= 16) rf64DataBytes = Number(view.getBigUint64(body + 8, true));
      pos = body + size + (size & 1); // chunks are word-aligned
    }
    return undefined;
  }

  private parseFmt(view: DataView, at: number, size: number): Omit<WavHeader, 'dataBytes'> {
    if (size < 16) throw new AudioDecodeError(this.file, 'corrupt', `'fmt ' chunk is ${size} bytes; expected at least 16`);
    let formatTag = view.getUint16(at, true);
    const channelCount = view.getUint16(at + 2, true);
    const sampleRate = view.getUint32(at + 4, true);
    const blockAlign = view.getUint16(at + 12, true);
    const bitsPerSample = view.getUint16(at + 14, true);
    if (formatTag === FORMAT_EXTENSIBLE) {
      if (size < 40) throw new AudioDecodeError(this.file, 'corrupt', 'WAVE_FORMAT_EXTENSIBLE header shorter than 40 bytes');
      formatTag = view.getUint16(at + 24, true); // first two bytes of the SubFormat GUID
    }
    if (channelCount === 0) throw new AudioDecodeError(this.file, 'no-channels', 'the WAV header declares 0 channels');
    if (sampleRate < 1000 || sampleRate > 1_536_000) {
      throw new AudioDecodeError(this.file, 'bad-sample-rate', `the WAV header declares ${sampleRate} Hz; expected 1000–1536000 Hz`);
    }
    const supported = 'supported: PCM 8/16/24/32-bit and IEEE float 32/64-bit, plain or WAVE_FORMAT_EXTENSIBLE';
    let encoding: 'int' | 'float';
    if (formatTag === FORMAT_PCM && [8, 16, 24, 32].includes(bitsPerSample)) encoding = 'int';
    else if (formatTag === FORMAT_FLOAT && (bitsPerSample === 32 || bitsPerSample === 64)) encoding = 'float';
    else {
      const codec = CODEC_NAMES[formatTag] ?? `format 0x${formatTag.toString(16).padStart(4, '0')}`;
      throw new AudioDecodeError(this.file, 'unsupported', `WAV ${codec} at ${bitsPerSample} bits is not supported (${supported})`);
    }
    const bytesPerSample = bitsPerSample / 8;
    if (blockAlign !== bytesPerSample * channelCount) {
      throw new AudioDecodeError(
        this.file,
        'corrupt',
        `block align is ${blockAlign}; expected ${bytesPerSample * channelCount} for ${channelCount} channels of ${bitsPerSample} bits`,
      );
    }
    return { encoding, bitsPerSample, channelCount, sampleRate, blockAlign };
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a);
  joined.set(b, a.length);
  return joined;
}

/** De-interleaves whole frames into float32 channels. */
function decodeFrames(raw: Uint8Array, header: WavHeader, file: string, firstFrame: number): Float32Array[] {
  const { channelCount, bitsPerSample, encoding, blockAlign } = header;
  const frames = raw.length / blockAlign;
  const channels = Array.from({ length: channelCount }, () => new Float32Array(frames));
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const step = bitsPerSample / 8;
  for (let c = 0; c < channelCount; c++) {
    const out = channels[c]!;
    let at = c * step;
    if (encoding === 'float') {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        const value = bitsPerSample === 32 ? view.getFloat32(at, true) : view.getFloat64(at, true);
        if (!Number.isFinite(value)) {
          throw new AudioDecodeError(file, 'non-finite', `frame ${firstFrame + i} of channel ${c} is ${value}; expected finite samples`);
        }
        out[i] = value;
      }
    } else if (bitsPerSample === 16) {
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = view.getInt16(at, true) / 32768;
    } else if (bitsPerSample === 24) {
      for (let i = 0; i < frames; i++, at += blockAlign) {
        const value = (raw[at]! | (raw[at + 1]! << 8) | (raw[at + 2]! << 16)) << 8 >> 8;
        out[i] = value / 8388608;
      }
    } else if (bitsPerSample === 32) {
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = view.getInt32(at, true) / 2147483648;
    } else {
      for (let i = 0; i < frames; i++, at += blockAlign) out[i] = (raw[at]! - 128) / 128;
    }
  }
  return channels;
}
