import { describe, expect, it } from 'vitest';
import { endOfTrack, makeWav, off, on, smf, tempo } from '../src/index.js';

describe('makeWav', () => {
  it('writes the canonical 44-byte header and little-endian samples (checked against literal bytes)', () => {
    const bytes = makeWav({ sampleRate: 8000, channels: [[0.5, -1]] });
    // RIFF, size 40, WAVE, fmt  16, PCM 1, mono, 8000 Hz, 16000 B/s, align 2, 16 bits, data 4, then 16384 and -32768.
    const expected = [
      0x52, 0x49, 0x46, 0x46, 40, 0, 0, 0, 0x57, 0x41, 0x56, 0x45,
      0x66, 0x6d, 0x74, 0x20, 16, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 16, 0,
      0x64, 0x61, 0x74, 0x61, 4, 0, 0, 0, 0x00, 0x40, 0x00, 0x80,
    ];
    expect([...bytes]).toEqual(expected);
  });
});

describe('smf', () => {
  it('writes MThd, MTrk and VLQ delta times byte for byte (checked against literal bytes)', () => {
    const bytes = smf(0, 480, [[tempo(0, 500_000), on(0, 60), off(480, 60), endOfTrack()]]);
    const expected = [
      0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0x01, 0xe0, // MThd, length 6, format 0, 1 track, 480 ticks per beat
      0x4d, 0x54, 0x72, 0x6b, 0, 0, 0, 20, // MTrk, 20 bytes of events
      0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20, // tempo 500 000 µs per beat
      0x00, 0x90, 60, 100, // note on
      0x83, 0x60, 0x80, 60, 64, // 480 ticks as the VLQ 0x83 0x60, note off
      0x00, 0xff, 0x2f, 0x00, // end of track
    ];
    expect([...bytes]).toEqual(expected);
  });
});
