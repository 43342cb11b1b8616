// `pnpm bench` for @refractor/node, with the tiny model set (its predictions
// mean nothing; it has the real interfaces, so the pipeline's costs are real
// except the encoders' own compute):
//  1. chunks per second through tiny CLAP + CDM at batch 1 vs batch 16;
//  2. end-to-end wall time of scoreFile on a 4-minute 44.1 kHz stereo song
//     (the real corpus song nearest 240 s when installed, else a synthetic WAV).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLAP_INPUT_SIZE, Refractor } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const scratch = mkdtempSync(join(tmpdir(), 'refractor-node-bench-'));
const refractor = await Refractor.load({ models: 'tiny', offline: true });
console.log(`@refractor/node benchmark — model set "${refractor.modelSet.name}" (test-only), ${refractor.backend.name}, node ${process.version}\n`);

// 1. CLAP + CDM throughput on synthetic features (no audio work), 96 chunks.
const chunkCount = 96;
const chunks = Array.from({ length: chunkCount }, (_, i) => ({
  features: Float32Array.from({ length: CLAP_INPUT_SIZE }, (_, k) => -60 + 40 * Math.sin(i * 0.7 + k * 0.001)),
  start_s: i * 5,
  end_s: i * 5 + 30,
}));
const concept = new Float32Array(768);
for (const batchSize of [1, 16]) {
  const scorer = await refractor.audioScorer({ batchSize });
  await scorer.scoreChunks(chunks.slice(0, 16), concept); // warm-up
  const started = performance.now();
  await scorer.scoreChunks(chunks, concept);
  const seconds = (performance.now() - started) / 1000;
  console.log(`CLAP + CDM, batch ${String(batchSize).padStart(2)}: ${(chunkCount / seconds).toFixed(0).padStart(6)} chunks/s (${chunkCount} chunks in ${seconds.toFixed(3)} s)`);
}

// 2. End to end on a 4-minute song.
function corpusSong() {
  const script = join(here, '..', '..', '..', '..', 'shared', 'corpus', 'install_corpus.sh');
  if (!existsSync(script)) return undefined;
  try {
    const songs = execFileSync('bash', [script, '--songs'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split('\n').filter(Boolean);
    const withDuration = songs.map((path) => {
      const seconds = Number(execFileSync('soxi', ['-D', path], { encoding: 'utf8' }).trim());
      return { path, seconds };
    });
    return withDuration.sort((a, b) => Math.abs(a.seconds - 240) - Math.abs(b.seconds - 240))[0];
  } catch {
    return undefined;
  }
}
let song = corpusSong();
if (!song) {
  const rate = 44100;
  const frames = 240 * rate;
  const bytes = Buffer.alloc(44 + frames * 4);
  bytes.write('RIFF', 0); bytes.writeUInt32LE(36 + frames * 4, 4); bytes.write('WAVEfmt ', 8); bytes.writeUInt32LE(16, 16);
  bytes.writeUInt16LE(1, 20); bytes.writeUInt16LE(2, 22); bytes.writeUInt32LE(rate, 24); bytes.writeUInt32LE(rate * 4, 28);
  bytes.writeUInt16LE(4, 32); bytes.writeUInt16LE(16, 34); bytes.write('data', 36); bytes.writeUInt32LE(frames * 4, 40);
  for (let i = 0; i < frames; i++) {
    bytes.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / rate)), 44 + i * 4);
    bytes.writeInt16LE(Math.round(6000 * Math.sin((2 * Math.PI * 330 * i) / rate)), 46 + i * 4);
  }
  const path = join(scratch, 'four-minutes.wav');
  writeFileSync(path, bytes);
  song = { path, seconds: 240 };
  console.log('\n(real corpus not installed: ../shared/corpus/install_corpus.sh; using a synthetic 240 s WAV)');
}
for (const parallel of [false, true]) {
  const started = performance.now();
  const result = await refractor.scoreFile(song.path, { concept: 'A song about forgetting the future', parallel });
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `scoreFile ${song.path.split('/').at(-1)} (${song.seconds.toFixed(0)} s, ${result.chunk_count} chunks, ${parallel ? 'decode ‖ worker' : 'one thread'}): ${seconds.toFixed(2)} s wall`,
  );
}
await refractor.close();
rmSync(scratch, { recursive: true, force: true });
