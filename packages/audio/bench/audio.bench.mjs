// `pnpm bench` for @refractor/audio: decode, resample and feature throughput
// (seconds of audio per wall second) and peak RSS, on the real music corpus and
// on a synthetic 60-minute 44.1 kHz stereo WAV. Prints figures; asserts nothing.
// Targets (2-core machine): a 4-minute 44.1 kHz stereo song's features < 1.5 s;
// 60 minutes < 400 MB peak RSS.
import { execFileSync, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeAudioFile } from '../dist/node.js';

const here = dirname(fileURLToPath(import.meta.url));
const measureScript = join(here, 'measure.mjs');
const corpusScript = join(here, '..', '..', '..', '..', 'shared', 'corpus', 'install_corpus.sh');
const scratch = mkdtempSync(join(tmpdir(), 'refractor-bench-'));
const songLimit = Number(process.env.BENCH_SONGS ?? 8);

function measure(stage, file) {
  const run = spawnSync(process.execPath, [measureScript, stage, file], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`${stage} ${file} failed:\n${run.stderr}`);
  return JSON.parse(run.stdout.trim().split('\n').at(-1));
}

function row(label, m) {
  return `${label.padEnd(44)} ${m.audioS.toFixed(1).padStart(8)} s audio ${m.wallS.toFixed(3).padStart(8)} s wall ${(m.audioS / m.wallS).toFixed(0).padStart(6)}× real time ${m.maxRssMB.toFixed(0).padStart(6)} MB peak RSS`;
}

/** Writes a WAV header + 16-bit PCM produced block by block (never the whole file in memory). */
async function writeWav(path, sampleRate, channelCount, frames, sampleAt) {
  const out = createWriteStream(path);
  const dataBytes = frames * channelCount * 2;
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(channelCount, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * channelCount * 2, 28);
  header.writeUInt16LE(channelCount * 2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  out.write(header);
  const blockFrames = 1 << 16;
  for (let start = 0; start < frames; start += blockFrames) {
    const count = Math.min(blockFrames, frames - start);
    const block = Buffer.alloc(count * channelCount * 2);
    for (let i = 0; i < count; i++) {
      for (let c = 0; c < channelCount; c++) {
        const v = Math.max(-1, Math.min(1, sampleAt(start + i, c)));
        block.writeInt16LE(Math.round(v * 32767), (i * channelCount + c) * 2);
      }
    }
    if (!out.write(block)) await new Promise((resolve) => out.once('drain', resolve));
  }
  await new Promise((resolve, reject) => out.end((error) => (error ? reject(error) : resolve())));
}

function corpusSongs() {
  if (!existsSync(corpusScript)) return { songs: [], why: `no corpus script at ${corpusScript}` };
  try {
    const listed = execFileSync('bash', [corpusScript, '--songs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const songs = listed.split('\n').filter(Boolean);
    return songs.length ? { songs } : { songs, why: 'the corpus script listed no songs' };
  } catch (error) {
    return { songs: [], why: `the corpus could not be installed (${String(error.message).split('\n')[0]})` };
  }
}

console.log('@refractor/audio benchmark (each figure from a fresh process; peak RSS = that process)');
console.log(`node ${process.version}, ${process.platform}/${process.arch}\n`);

const { songs, why } = corpusSongs();
const durations = new Map();
if (songs.length === 0) {
  console.log(`real corpus: skipped — ${why}. Install it with ../shared/corpus/install_corpus.sh.\n`);
} else {
  console.log(`real corpus: ${songs.length} songs ≥ 60 s; measuring the first ${Math.min(songLimit, songs.length)} (BENCH_SONGS=n to change)`);
  const totals = { decode: [0, 0], resample: [0, 0], features: [0, 0], 'features-worker': [0, 0] };
  for (const song of songs.slice(0, songLimit)) {
    for (const stage of ['decode', 'resample', 'features', 'features-worker']) {
      const m = measure(stage, song);
      totals[stage][0] += m.audioS;
      totals[stage][1] += m.wallS;
      durations.set(song, m.audioS);
      if (stage === 'features-worker') console.log(row(`  ${song.split('/').at(-1)} (${stage})`, m));
    }
  }
  for (const [stage, [audio, wall]] of Object.entries(totals)) {
    console.log(`  ${stage.padEnd(15)} throughput over these songs: ${(audio / wall).toFixed(0)}× real time (${audio.toFixed(0)} s audio in ${wall.toFixed(2)} s)`);
  }
  console.log('');
}

// The 4-minute target: the corpus song nearest 240 s, as its OGG and as a 240 s WAV cut from it.
console.log('target: all features of a 4-minute 44.1 kHz stereo song in < 1.5 s wall');
let fourMinuteSource;
if (durations.size) {
  fourMinuteSource = [...durations].sort((a, b) => Math.abs(a[1] - 240) - Math.abs(b[1] - 240))[0][0];
  const label = `${fourMinuteSource.split('/').at(-1)} (OGG, ${durations.get(fourMinuteSource).toFixed(0)} s)`;
  console.log(row(`  ${label}, one thread`, measure('features', fourMinuteSource)));
  console.log(row(`  ${label}, decode ‖ worker`, measure('features-worker', fourMinuteSource)));
  console.log(row(`  ${label}, all on the worker`, measure('file-worker', fourMinuteSource)));
}
const fourMinuteWav = join(scratch, 'four-minutes.wav');
if (fourMinuteSource) {
  const decoded = await decodeAudioFile(fourMinuteSource);
  const frames = Math.min(240 * decoded.sampleRate, decoded.channels[0].length);
  await writeWav(fourMinuteWav, decoded.sampleRate, decoded.channels.length, frames, (i, c) => decoded.channels[c][i]);
} else {
  await writeWav(fourMinuteWav, 44100, 2, 240 * 44100, (i, c) => 0.3 * Math.sin((2 * Math.PI * (220 + 110 * c) * i) / 44100) + 0.05 * Math.sin(i * 0.37));
}
console.log(row('  a 240 s 16-bit WAV, one thread', measure('features', fourMinuteWav)));
console.log(row('  a 240 s 16-bit WAV, decode ‖ worker', measure('features-worker', fourMinuteWav)));
console.log('');

console.log('target: all chunk features of a 60-minute 44.1 kHz stereo file with peak RSS < 400 MB');
const hourWav = join(scratch, 'sixty-minutes.wav');
await writeWav(hourWav, 44100, 2, 3600 * 44100, (i, c) => {
  const t = i / 44100;
  return 0.25 * Math.sin(2 * Math.PI * (110 * (1 + (t % 60) / 60) + c * 3) * t) + 0.1 * Math.sin(2 * Math.PI * 3000 * t);
});
for (const stage of ['decode', 'resample', 'features', 'features-worker', 'file-worker']) console.log(row(`  synthetic 60 min WAV (${stage})`, measure(stage, hourWav)));
rmSync(scratch, { recursive: true, force: true });
