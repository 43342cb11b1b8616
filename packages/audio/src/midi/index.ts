export { MidiParseError } from './errors.js';
export { isMidi, parseMidiFile, type ParsedMidi } from './parse.js';
export { PIANO_ROLL, PIANO_ROLL_SIZE, midiToPianoRoll, type PianoRollOptions } from './piano-roll.js';
