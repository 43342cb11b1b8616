// `pnpm bench` for @refractor/node, candidate scoring as the original's
// `score_batch` (one concept, many MIDI candidates, ranked):
//  1. the piano roll alone: MIDI bytes → float32 [128, 256], per file;
//  2. candidates per second for a batch of 64 MIDI candidates with the tiny
//     base model (piano roll + one ONNX run + ranking; concept embedded once,
//     outside the timing).
// The tiny base model is much narrower than a real refractor.onnx (~16 MB), so
// figure 2 measures our overhead (rolls, feeds, decoding), not a real CNN.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMidi } from 'midi-file';
import { midiToPianoRoll } from '@refractor/audio';
import { Refractor } from '../dist/index.js';

const scratch = mkdtempSync(join(tmpdir(), 'refractor-candidates-bench-'));

/** A seeded 2-track MIDI file of `notes` notes over ~30 s (some past the 25.6 s cut), like a generated candidate. */
function candidateMidi(seed, notes = 200) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const track = (count) => {
    const events = [{ deltaTime: 0, meta: true, type: 'setTempo', microsecondsPerBeat: 400000 + Math.floor(next() * 200000) }];
    for (let i = 0; i < count; i++) {
      const pitch = 36 + Math.floor(next() * 48);
      events.push({ deltaTime: Math.floor(next() * 120), type: 'noteOn', channel: 0, noteNumber: pitch, velocity: 30 + Math.floor(next() * 90) });
      events.push({ deltaTime: 60 + Math.floor(next() * 240), type: 'noteOff', channel: 0, noteNumber: pitch, velocity: 0 });
    }
    events.push({ deltaTime: 0, meta: true, type: 'endOfTrack' });
    return events;
  };
  return Uint8Array.from(writeMidi({ header: { format: 1, numTracks: 2, ticksPerBeat: 480 }, tracks: [track(notes / 2), track(notes / 2)] }, { running: true }));
}

const files = Array.from({ length: 64 }, (_, i) => {
  const path = join(scratch, `candidate-${i}.mid`);
  writeFileSync(path, candidateMidi(i + 1));
  return path;
});
const bytes = files.map((_, i) => candidateMidi(i + 1));
console.log(`@refractor/node candidates benchmark — node ${process.version}; 64 MIDI files of 200 notes (${(bytes.reduce((s, b) => s + b.length, 0) / 64 / 1024).toFixed(1)} KiB each)\n`);

// 1. Piano roll alone.
for (let i = 0; i < 64; i++) midiToPianoRoll(bytes[i]); // warm-up
const rounds = 20;
let started = performance.now();
for (let r = 0; r < rounds; r++) for (const b of bytes) midiToPianoRoll(b);
const perFileMs = (performance.now() - started) / (rounds * bytes.length);
console.log(`piano roll (bytes → [128, 256]):  ${perFileMs.toFixed(3)} ms per file (${(1000 / perFileMs).toFixed(0)} files/s)`);

// 2. 64 MIDI candidates, one concept, ranked.
const refractor = await Refractor.load({ models: 'tiny', offline: true });
const conceptEmbedding = await refractor.prepareConcept('A song about forgetting the future');
const candidates = files.map((midi) => ({ midi }));
await refractor.scoreCandidates(candidates, { conceptEmbedding, rank: true }); // warm-up
const times = [];
for (let r = 0; r < 10; r++) {
  started = performance.now();
  const items = await refractor.scoreCandidates(candidates, { conceptEmbedding, rank: true });
  times.push(performance.now() - started);
  if (items.some((item) => item.error)) throw new Error('a candidate failed');
}
times.sort((x, y) => x - y);
const median = times[Math.floor(times.length / 2)];
console.log(`64 MIDI candidates, tiny base model (read + roll + 1 ONNX run + rank): median ${median.toFixed(1)} ms per batch → ${((64 * 1000) / median).toFixed(0)} candidates/s (min ${times[0].toFixed(1)} ms, ${refractor.backend.name})`);
await refractor.close();
rmSync(scratch, { recursive: true, force: true });
