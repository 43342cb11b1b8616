import { BASE_CONTRACT, BASE_PIANO_ROLL_SIZE } from '@refractor/core';
import { UNNAMED_INPUT } from '../errors.js';
import { parseMidiFile } from './parse.js';

/** The piano roll's shape: 128 pitches × 256 steps of 100 ms (25.6 s), as the original base model. */
export const PIANO_ROLL = Object.freeze({
  pitches: BASE_CONTRACT.pianoRollPitches,
  steps: BASE_CONTRACT.pianoRollSteps,
  /** Seconds per step. */
  stepS: 0.1,
  /** Events at or after this time are dropped (steps × stepS). */
  durationS: 25.6,
  /** µs per beat until a track sets a tempo (MIDI's default, 120 bpm). */
  defaultTempo: 500000,
});

/** Values in one piano roll (128 × 256). */
export const PIANO_ROLL_SIZE = BASE_PIANO_ROLL_SIZE;

/** Options for {@link midiToPianoRoll}. */
export interface PianoRollOptions {
  /** Names the input in errors (default `<bytes>`). */
  name?: string;
}

/** A note on or off at a time in seconds. */
interface NoteEvent {
  time: number;
  on: boolean;
  pitch: number;
  velocity: number;
}

/**
 * A MIDI file's bytes as the original base model's piano roll: float32
 * `[128, 256]`, row-major and pitch-major (`roll[pitch * 256 + step]`), each
 * step 100 ms, values velocity / 127. The original's semantics, quirks
 * included:
 *
 * 1. per track, ticks accumulate from 0 and the tempo restarts at 500000 µs/beat
 *    (a tempo in track 0 does not reach track 1); an event's time is its
 *    absolute tick count × (tempo × 1e-6 / ticks per beat), the tempo being the
 *    one current at that event (not integrated piecewise);
 * 2. `note_on` with velocity > 0 starts a note; `note_off` or `note_on` with
 *    velocity 0 ends it; channels are not distinguished;
 * 3. all tracks' events are sorted by time, stably (ties keep track, then file order);
 * 4. stop at the first event at or after 25.6 s; step = min(trunc(time / 0.1), 255);
 *    a second on for a sounding pitch replaces the first; an off writes
 *    velocity/127 into steps start..step (inclusive); an off for a silent
 *    pitch is ignored; later writes overwrite earlier ones;
 * 5. notes still sounding at the end are written to step 255.
 *
 * Float64 arithmetic throughout (as Python), stored as float32. A file that
 * does not parse throws {@link MidiParseError} naming it.
 *
 * @example
 * ```ts
 * const roll = midiToPianoRoll(new Uint8Array(await readFile('take.mid')), { name: 'take.mid' });
 * roll[60 * 256 + 0]; // middle C's velocity/127 in the first 100 ms
 * ```
 */
export function midiToPianoRoll(bytes: Uint8Array, options: PianoRollOptions = {}): Float32Array {
  const { ticksPerBeat, tracks } = parseMidiFile(bytes, options.name ?? UNNAMED_INPUT);
  const events: NoteEvent[] = [];
  for (const track of tracks) {
    let absTicks = 0;
    let tempo: number = PIANO_ROLL.defaultTempo;
    for (const event of track) {
      absTicks += event.deltaTime;
      if (event.type === 'setTempo') tempo = event.microsecondsPerBeat;
      else if (event.type === 'noteOn' || event.type === 'noteOff') {
        // midi-file already reports note_on with velocity 0 as noteOff (with `byte9`).
        const time = absTicks * ((tempo * 1e-6) / ticksPerBeat);
        events.push({ time, on: event.type === 'noteOn', pitch: event.noteNumber, velocity: event.velocity });
      }
    }
  }
  // Array.prototype.sort is stable (ES2019): equal times keep track order, then file order.
  events.sort((a, b) => a.time - b.time);

  const { steps, pitches, stepS, durationS } = PIANO_ROLL;
  const roll = new Float32Array(PIANO_ROLL_SIZE);
  const startStep = new Int32Array(pitches).fill(-1);
  const startVelocity = new Uint8Array(pitches);
  const write = (pitch: number, from: number, to: number, velocity: number) => {
    roll.fill(velocity / 127, pitch * steps + from, pitch * steps + to + 1);
  };
  for (const event of events) {
    if (event.time >= durationS) break;
    const step = Math.min(Math.trunc(event.time / stepS), steps - 1);
    if (event.on) {
      startStep[event.pitch] = step;
      startVelocity[event.pitch] = event.velocity;
    } else if (startStep[event.pitch]! >= 0) {
      write(event.pitch, startStep[event.pitch]!, step, startVelocity[event.pitch]!);
      startStep[event.pitch] = -1;
    }
  }
  for (let pitch = 0; pitch < pitches; pitch++) {
    if (startStep[pitch]! >= 0) write(pitch, startStep[pitch]!, steps - 1, startVelocity[pitch]!);
  }
  return roll;
}
