// `node bench/train.bench.mjs`: wall time of the card's recipe (300 epochs,
// batch 64) on a synthetic data set the size of the card's: 3,450 chunks ×
// 1280 values from 78 songs over the 9 colors (class-dependent Gaussian
// clusters plus a per-song offset, so the task is learnable but not trivial).
// Set REFRACTOR_TRAIN_MODULE to a module path to bench a bundle instead of ../dist.
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';

const target = process.env.REFRACTOR_TRAIN_MODULE ? pathToFileURL(process.env.REFRACTOR_TRAIN_MODULE).href : '../dist/index.js';
const { trainCdm, SeededRng } = await import(target);

const epochs = Number(process.env.EPOCHS ?? 300);
const SONGS_PER_COLOR = [12, 4, 10, 8, 11, 11, 12, 6, 4]; // 78 songs
const ROWS = 3450;
const DIM = 1280;
const rng = new SeededRng(7);
const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());

const songs = SONGS_PER_COLOR.flatMap((n, color) => Array.from({ length: n }, (_, k) => ({ id: `c${color}-s${k}`, color })));
const centers = Array.from({ length: 9 }, () => Float32Array.from({ length: DIM }, () => gauss() * 0.15));
const features = new Float32Array(ROWS * DIM);
const labels = new Int32Array(ROWS);
const songIds = [];
for (let s = 0, row = 0; s < songs.length; s++) {
  const count = Math.floor(((s + 1) * ROWS) / songs.length) - Math.floor((s * ROWS) / songs.length);
  const offset = Float32Array.from({ length: DIM }, () => gauss() * 0.3);
  for (let k = 0; k < count; k++, row++) {
    for (let d = 0; d < DIM; d++) features[row * DIM + d] = centers[songs[s].color][d] + offset[d] + gauss();
    labels[row] = songs[s].color;
    songIds.push(songs[s].id);
  }
}

console.log(`CDM training benchmark — ${ROWS} × ${DIM} rows, ${songs.length} songs, ${epochs} epochs, node ${process.version}, ${availableParallelism()} cores`);
const started = performance.now();
const result = await trainCdm(
  { features, inputDim: DIM, labels, songIds },
  {
    epochs,
    onEpoch: (e) => {
      if (e.epoch % 50 === 0 || e.epoch === 1) {
        const s = ((performance.now() - started) / 1000).toFixed(1);
        console.log(`epoch ${String(e.epoch).padStart(3)}  train loss ${e.trainLoss.toFixed(4)}  val loss ${e.valLoss?.toFixed(4)}  val acc ${(e.valAccuracy * 100).toFixed(1)}%  mean per-color ${(e.valMeanPerColorAccuracy * 100).toFixed(1)}%  (${s} s)`);
      }
    },
  },
);
const seconds = (performance.now() - started) / 1000;
console.log(`best epoch ${result.bestEpoch}: mean per-color val accuracy ${(result.history[result.bestEpoch - 1].valMeanPerColorAccuracy * 100).toFixed(1)}%`);
console.log(`wall time: ${seconds.toFixed(1)} s for ${epochs} epochs (${((seconds / epochs) * 1000).toFixed(0)} ms/epoch; target ≤ 60 s for 300)`);
