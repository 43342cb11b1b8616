import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { endOfTrack, makeWav, off, on, seededNoise, sine, smf, tempo } from '@refractor/test-helpers';

// A small labelled song set built from generated audio, the same bytes on
// every run: the card-compatibility fixtures were captured from it, and the
// closing tables of issue #25 (card vs canonical, every color rule) are
// printed on it. One or two songs per color, differing in timbre; the tiny
// test models' predictions mean nothing, so this is about reproducibility.

const RATE = 22050;
const SECONDS = 6;

const square = (frequency: number) => sine(frequency, SECONDS, RATE).map((v) => 0.4 * Math.sign(v));
const chord = (...frequencies: number[]) => {
  const tones = frequencies.map((f) => sine(f, SECONDS, RATE, 0.2));
  return tones[0]!.map((_, i) => tones.reduce((acc, tone) => acc + tone[i]!, 0));
};
/** A rising sweep: several chunks whose colors can differ. */
const sweep = (from: number, to: number, seconds: number) =>
  Float64Array.from({ length: seconds * RATE }, (_, i) => {
    const t = i / RATE;
    return 0.4 * Math.sin(2 * Math.PI * (from * t + ((to - from) * t * t) / (2 * seconds)));
  });

/** The songs: id, label as written in the yml, samples, optional concept. */
export const CARD_COMPAT_SONGS: readonly { id: string; label: string; audio: ArrayLike<number>; concept?: string }[] = [
  { id: 'red-low', label: 'R', audio: sine(110, SECONDS, RATE) },
  { id: 'red-mid', label: 'red', audio: sine(247, SECONDS, RATE), concept: 'A song about the past' },
  { id: 'orange', label: 'O', audio: square(330) },
  { id: 'yellow', label: 'Y', audio: chord(440, 554, 659) },
  { id: 'green', label: 'G', audio: sine(660, SECONDS, RATE) },
  { id: 'blue-1', label: 'B', audio: seededNoise(SECONDS * RATE, 1) },
  { id: 'blue-2', label: 'blue', audio: seededNoise(SECONDS * RATE, 2, 0.8), concept: 'Forgetting the future, slowly' },
  { id: 'indigo', label: 'I', audio: sweep(200, 2000, 16) },
  { id: 'violet', label: 'V', audio: sine(1760, SECONDS, RATE) },
  { id: 'white', label: 'Z', audio: chord(262, 330, 392) },
  { id: 'black', label: 'K', audio: square(55) },
];

/** Writes the set in the original folder layout under `root` (`<id>/<id>.yml`, `<id>/<id>_main.wav`). */
export function writeCardCompatDataset(root: string): void {
  for (const song of CARD_COMPAT_SONGS) {
    const folder = join(root, song.id);
    mkdirSync(folder, { recursive: true });
    const concept = song.concept === undefined ? '' : `concept: ${JSON.stringify(song.concept)}\n`;
    writeFileSync(join(folder, `${song.id}.yml`), `rainbow_color: ${song.label}\n${concept}`);
    writeFileSync(join(folder, `${song.id}_main.wav`), makeWav({ sampleRate: RATE, channels: [song.audio], bits: 16 }));
  }
}

/** Writes a small Standard MIDI File (a base-model candidate) at `path`. */
export function writeCompatMidi(path: string, pitches: readonly number[]): void {
  writeFileSync(path, smf(1, 480, [[tempo(0, 500000), endOfTrack()], [...pitches.flatMap((p, i) => [on(i ? 90 : 0, p, 30 + p), off(200 + 40 * i, p)]), endOfTrack()]]));
}
