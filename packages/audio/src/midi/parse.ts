import { parseMidi, type MidiData, type MidiEvent } from 'midi-file';
import { UNNAMED_INPUT } from '../errors.js';
import { ascii } from '../sniff.js';
import { MidiParseError } from './errors.js';

/** Whether bytes start like a Standard MIDI File (`MThd`): content, not the file name, decides. */
export function isMidi(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x4d && bytes[1] === 0x54 && bytes[2] === 0x68 && bytes[3] === 0x64;
}

/** A parsed Standard MIDI File: its ticks per beat and its tracks' events as written (delta times, running status resolved). */
export interface ParsedMidi {
  format: 0 | 1 | 2;
  ticksPerBeat: number;
  tracks: MidiEvent[][];
}

const CHUNK_HEADER = 8;

/**
 * Checks the chunk layout before handing the bytes to `midi-file`: that
 * parser reads past the end of short data without complaint (undefined bytes
 * become silent garbage), so a truncated file must be caught here.
 */
function checkChunks(bytes: Uint8Array, name: string): void {
  if (bytes.length === 0) throw new MidiParseError(name, 'empty', 'the file holds no bytes');
  if (!isMidi(bytes)) {
    throw new MidiParseError(name, 'corrupt', `not a Standard MIDI File: it starts with "${ascii(bytes, 0, 4).replace(/[^\x20-\x7e]/g, '?')}", expected "MThd"`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < CHUNK_HEADER + 6) throw new MidiParseError(name, 'truncated', `the header chunk needs 14 bytes; the file has ${bytes.length}`);
  const headerLength = view.getUint32(4);
  if (headerLength < 6) throw new MidiParseError(name, 'corrupt', `the MThd chunk declares ${headerLength} bytes; expected at least 6`);
  const tracks = view.getUint16(10);
  let at = CHUNK_HEADER + headerLength;
  for (let track = 0; track < tracks; track++) {
    if (at + CHUNK_HEADER > bytes.length) {
      throw new MidiParseError(name, 'truncated', `the header declares ${tracks} track(s) but the file ends after ${track}`);
    }
    const id = ascii(bytes, at, 4);
    if (id !== 'MTrk') throw new MidiParseError(name, 'corrupt', `chunk ${track + 1} after the header is "${id.replace(/[^\x20-\x7e]/g, '?')}", expected "MTrk"`);
    const length = view.getUint32(at + 4);
    if (at + CHUNK_HEADER + length > bytes.length) {
      throw new MidiParseError(name, 'truncated', `track ${track} declares ${length} bytes but only ${bytes.length - at - CHUNK_HEADER} remain`);
    }
    at += CHUNK_HEADER + length;
  }
}

/** Note fields are 7-bit data bytes. */
const DATA_BYTE_FIELDS = new Set(['noteNumber', 'velocity']);

/**
 * An event field `midi-file` filled from past the end of its track (undefined
 * or NaN), or a note field over 127 (a status byte where data was expected).
 */
function badField(event: MidiEvent): string | undefined {
  const fields = event as unknown as Record<string, unknown>;
  // for…in, not Object.entries: this runs once per event and must stay cheap.
  for (const key in fields) {
    const value = fields[key];
    if (value === undefined || (typeof value === 'number' && !Number.isFinite(value))) return key;
    if (DATA_BYTE_FIELDS.has(key) && !((value as number) >= 0 && (value as number) <= 127)) return key;
  }
  return undefined;
}

/**
 * Parses a Standard MIDI File with `midi-file` (low level: tracks, delta
 * times and running status as written, so times can be computed exactly as
 * the original did), after checking its chunk layout. Type 0, 1 and 2;
 * SMPTE time division is refused.
 *
 * @example
 * ```ts
 * const { ticksPerBeat, tracks } = parseMidiFile(bytes, 'take.mid');
 * ```
 */
export function parseMidiFile(bytes: Uint8Array, name: string = UNNAMED_INPUT): ParsedMidi {
  checkChunks(bytes, name);
  let parsed: MidiData;
  try {
    parsed = parseMidi(bytes);
  } catch (error) {
    // midi-file throws plain strings.
    const reason = error instanceof Error ? error.message : String(error);
    throw new MidiParseError(name, 'corrupt', reason, { cause: error });
  }
  const { header } = parsed;
  if (header.ticksPerBeat === undefined) {
    throw new MidiParseError(name, 'unsupported', `SMPTE time division (${header.framesPerSecond} frames/s, ${header.ticksPerFrame} ticks/frame) is not supported; only ticks per beat`);
  }
  if (header.ticksPerBeat === 0) throw new MidiParseError(name, 'corrupt', 'the header declares 0 ticks per beat');
  if (header.format !== 0 && header.format !== 1 && header.format !== 2) {
    throw new MidiParseError(name, 'unsupported', `MIDI file format ${String(header.format)}; expected 0, 1 or 2`);
  }
  parsed.tracks.forEach((events, track) => {
    events.forEach((event, index) => {
      const field = badField(event);
      if (field !== undefined) {
        throw new MidiParseError(name, 'corrupt', `track ${track}, event ${index} (${event.type}) is malformed: ${field} runs past the end of the track or is not a 7-bit data byte`);
      }
    });
  });
  return { format: header.format, ticksPerBeat: header.ticksPerBeat, tracks: parsed.tracks };
}
