import { writeMidi, type MidiData } from 'midi-file';
import { describe, expect, it } from 'vitest';
import { AudioDecodeError, MidiParseError, PIANO_ROLL_SIZE, isMidi, midiToPianoRoll } from '../src/index.js';
import { endOfTrack, off, on, referencePianoRoll, runs, smf, tempo, type RawEvent } from '@refractor/test-helpers';

/** Our roll equals the independent reference, cell for cell (float32 store of the float64 values). */
function expectMatchesReference(bytes: Uint8Array): Float32Array {
  const roll = midiToPianoRoll(bytes, { name: 'case.mid' });
  expect(roll.length).toBe(PIANO_ROLL_SIZE);
  const reference = Float32Array.from(referencePianoRoll(bytes).flat());
  expect(Array.from(roll)).toEqual(Array.from(reference));
  return roll;
}

const T = 480; // ticks per beat; at 500000 µs/beat one tick is 1/960 s

describe('midiToPianoRoll: the original quirks, one file each', () => {
  it('resets the tempo at the start of every track (a track-0 tempo does not reach track 1)', () => {
    const bytes = smf(1, T, [
      [tempo(0, 250000), on(480, 60), off(480, 60), endOfTrack()],
      [on(480, 62), off(480, 62), endOfTrack()],
    ]);
    const roll = expectMatchesReference(bytes);
    expect(runs(roll, 60)).toEqual([[2, 5, 100]]); // 0.25 s .. 0.5 s at 250000 µs/beat
    expect(runs(roll, 62)).toEqual([[5, 10, 100]]); // 0.5 s .. 1.0 s at the default 500000
  });

  it('applies the current tempo to the whole absolute tick count, not piecewise', () => {
    const bytes = smf(0, T, [[on(480, 60), tempo(480, 1000000), off(0, 60), endOfTrack()]]);
    const roll = expectMatchesReference(bytes);
    // 960 ticks × 1.0/480 s = 2.0 s (piecewise would be 1.0 s).
    expect(runs(roll, 60)).toEqual([[5, 20, 100]]);
  });

  it('sorts all tracks by time stably: equal times keep track order', () => {
    const bytes = smf(1, T, [
      [on(0, 60, 100), off(480, 60), endOfTrack()],
      [on(480, 60, 50), endOfTrack()],
    ]);
    const roll = expectMatchesReference(bytes);
    // track 0's off at 0.5 s comes first, then track 1's on sustains to the end, overwriting step 5.
    expect(runs(roll, 60)).toEqual([
      [0, 4, 100],
      [5, 255, 50],
    ]);
  });

  it('a re-trigger replaces the sounding note', () => {
    const roll = expectMatchesReference(smf(0, T, [[on(0, 60, 100), on(480, 60, 80), off(480, 60), endOfTrack()]]));
    expect(runs(roll, 60)).toEqual([[5, 10, 80]]);
  });

  it('ignores a note-off for a silent pitch (and a second off)', () => {
    const roll = expectMatchesReference(smf(0, T, [[off(0, 61), on(0, 60), off(480, 60), off(480, 60), off(0, 62), endOfTrack()]]));
    expect(runs(roll, 60)).toEqual([[0, 5, 100]]);
    expect(runs(roll, 61)).toEqual([]);
    expect(runs(roll, 62)).toEqual([]);
  });

  it('reads note_on with velocity 0 as a note-off', () => {
    const roll = expectMatchesReference(smf(0, T, [[on(0, 60, 90), on(480, 60, 0), endOfTrack()]]));
    expect(runs(roll, 60)).toEqual([[0, 5, 90]]);
  });

  it('does not distinguish channels', () => {
    const roll = expectMatchesReference(smf(0, T, [[on(0, 60, 90, 3), off(480, 60, 0, 9), endOfTrack()]]));
    expect(runs(roll, 60)).toEqual([[0, 5, 90]]);
  });

  it('stops at the first event at or after 25.6 s; notes still sounding run to step 255', () => {
    const bytes = smf(0, T, [
      [
        on(0, 50), // sustained: no off at all
        on(24000, 60), // 25.0 s → step 250
        on(575, 61), // tick 24575 = 25.5990 s → step 255
        off(1, 60), // tick 24576 = 25.6 s exactly: the walk stops here, so 60 is still sounding
        off(0, 61),
        on(10, 62),
        endOfTrack(),
      ],
    ]);
    const roll = expectMatchesReference(bytes);
    expect(runs(roll, 50)).toEqual([[0, 255, 100]]);
    expect(runs(roll, 60)).toEqual([[250, 255, 100]]);
    expect(runs(roll, 61)).toEqual([[255, 255, 100]]);
    expect(runs(roll, 62)).toEqual([]);
  });

  it('events exactly on multiples of 0.1 s at 480 ticks per beat fall where float64 puts them', () => {
    // Note k starts and ends at tick 96k (k × 0.1 s); int(time / 0.1) in float64 (values from Python).
    const expected = [1, 2, 2, 4, 5, 5, 6, 8, 9, 10, 11, 11, 13, 13, 15, 16, 17, 18, 18, 20, 21, 22, 22, 23, 25, 26, 27, 27, 28, 30, 31, 32, 32, 34, 35, 36, 36, 37, 39];
    const events: RawEvent[] = [];
    let last = 0;
    expected.forEach((_, i) => {
      const k = i + 1;
      events.push(on(96 * k - last, 20 + k), off(0, 20 + k));
      last = 96 * k;
    });
    events.push(endOfTrack());
    const roll = expectMatchesReference(smf(0, T, [events]));
    expected.forEach((step, i) => expect(runs(roll, 21 + i)).toEqual([[step, step, 100]]));
  });

  it('parses running status', () => {
    const plain = smf(0, T, [[on(0, 60), on(0, 64), off(480, 60), off(0, 64), endOfTrack()]]);
    const running = smf(0, T, [[[0, 0x90, 60, 100], [0, 64, 100], [480, 60, 0], [0, 64, 0], endOfTrack()]]);
    const a = expectMatchesReference(plain);
    const b = expectMatchesReference(running);
    expect(Array.from(b)).toEqual(Array.from(a));
    expect(runs(b, 64)).toEqual([[0, 5, 100]]);
  });

  it('skips sysex and meta events but counts their delta times', () => {
    const bytes = smf(0, T, [
      [
        [0, 0xff, 0x03, 4, ...'Lead'.split('').map((c) => c.charCodeAt(0))],
        [96, 0xf0, 3, 0x7e, 0x09, 0xf7], // sysex at 0.1 s
        [0, 0xff, 0x59, 2, 0, 0], // key signature
        [96, 0xff, 0x7f, 2, 1, 2], // sequencer-specific
        on(96, 60), // tick 288 → 0.3 s, and 0.3 / 0.1 = 2.9999999999999996 in float64 → step 2
        [96, 0xf7, 1, 0x01], // escape sysex
        [0, 0xb0, 64, 127], // sustain pedal: not a note
        off(96, 60),
        endOfTrack(),
      ],
    ]);
    const roll = expectMatchesReference(bytes);
    expect(runs(roll, 60)).toEqual([[2, 5, 100]]);
  });

  it('reads type 0, type 1 and type 2 files (type 2 tracks each restart their tempo)', () => {
    expectMatchesReference(smf(0, T, [[on(0, 60, 100, 0), on(0, 48, 70, 1), off(960, 60), off(0, 48, 0, 1), endOfTrack()]]));
    expectMatchesReference(smf(1, T, [[tempo(0, 400000), endOfTrack()], [on(0, 60), off(960, 60), endOfTrack()], [on(480, 67), endOfTrack()]]));
    const type2 = expectMatchesReference(smf(2, T, [[tempo(0, 1000000), on(480, 60), off(480, 60), endOfTrack()], [on(480, 60, 30), off(480, 60), endOfTrack()]]));
    // track 0: 1.0 s..2.0 s; track 1 (tempo reset): 0.5 s..1.0 s. Sorted stably: on(0.5 s, track 1),
    // then at 1.0 s track 0's on (replaces it) before track 1's off (ends it at once); track 0's off is stray.
    expect(runs(type2, 60)).toEqual([[10, 10, 100]]);
  });

  it.each([1, 7, 97, 384, 1000, 32767])('handles %d ticks per beat', (tpb) => {
    const bytes = smf(1, tpb, [[tempo(0, 612345), on(tpb, 60), off(Math.ceil(tpb / 3), 60), on(tpb * 2, 72, 127), tempo(0, 300000), endOfTrack()]]);
    expectMatchesReference(bytes);
  });

  it('matches the reference on a file written by midi-file\'s writer with running status', () => {
    const track = (pitches: number[], start: number) => [
      ...pitches.flatMap((p, i) => [
        { deltaTime: i === 0 ? start : 37, type: 'noteOn' as const, channel: 0, noteNumber: p, velocity: 20 + p },
        { deltaTime: 211, type: 'noteOff' as const, channel: 0, noteNumber: p, velocity: 0 },
      ]),
      { deltaTime: 0, meta: true as const, type: 'endOfTrack' as const },
    ];
    const data: MidiData = {
      header: { format: 1, numTracks: 2, ticksPerBeat: 240 },
      tracks: [track([60, 62, 64, 65, 67], 0), track([48, 50, 52, 53, 55, 48], 100)],
    };
    expectMatchesReference(Uint8Array.from(writeMidi(data, { running: true, useByte9ForNoteOff: true })));
  });

  it('a file with no notes is all zeros', () => {
    expect(midiToPianoRoll(smf(1, T, [[tempo(0, 500000), endOfTrack()]])).every((v) => v === 0)).toBe(true);
  });
});

describe('midiToPianoRoll: bad files name the file and the problem', () => {
  const good = smf(0, T, [[on(0, 60), off(480, 60), endOfTrack()]]);
  const cases: Array<[string, Uint8Array, string, RegExp]> = [
    ['empty', new Uint8Array(0), 'empty', /no bytes/],
    ['not MIDI', new TextEncoder().encode('RIFF\0\0\0\0WAVEfmt '), 'corrupt', /expected "MThd"/],
    ['truncated track', good.subarray(0, good.length - 3), 'truncated', /track 0 declares/],
    ['truncated header', good.subarray(0, 10), 'truncated', /14 bytes/],
    ['wrong header length', Uint8Array.from([...good.subarray(0, 7), 2, ...good.subarray(8)]), 'corrupt', /declares 2 bytes/],
    ['missing track', Uint8Array.from([...good.subarray(0, 10), 0, 2, ...good.subarray(12)]), 'truncated', /2 track\(s\) but the file ends after 1/],
    ['SMPTE division', Uint8Array.from([...good.subarray(0, 12), 0xe7, 0x28, ...good.subarray(14)]), 'unsupported', /SMPTE .*not supported/],
    ['zero ticks per beat', Uint8Array.from([...good.subarray(0, 12), 0, 0, ...good.subarray(14)]), 'corrupt', /0 ticks per beat/],
    ['running status first', smf(0, T, [[[0, 60, 100], endOfTrack()]]), 'corrupt', /Unrecognised MIDI event type|Running status/],
    ['event past its track end', smf(0, T, [[[0, 0x90, 60]]]), 'corrupt', /event 0 \(noteO(n|ff)\) is malformed/],
  ];
  it.each(cases)('%s', (_, bytes, code, reason) => {
    let caught: unknown;
    try {
      midiToPianoRoll(bytes, { name: 'bad.mid' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(MidiParseError);
    expect(caught).toBeInstanceOf(AudioDecodeError);
    const error = caught as MidiParseError;
    expect(error.file).toBe('bad.mid');
    expect(error.kind).toBe(code);
    // Every door reports a bad MIDI file by this one code (empty ones as `empty`).
    expect(error.code).toBe(code === 'empty' ? 'empty' : 'midi');
    expect(error.message).toMatch(/^bad\.mid: /);
    expect(error.message).toMatch(reason);
  });

  it('isMidi looks at content, not names', () => {
    expect(isMidi(good)).toBe(true);
    expect(isMidi(new TextEncoder().encode('MTh'))).toBe(false);
    expect(isMidi(new TextEncoder().encode('RIFF....'))).toBe(false);
  });
});
