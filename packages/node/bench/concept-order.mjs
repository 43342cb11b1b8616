// One song with a new concept through the @refractor/node API, in a fresh process, with the
// text encoder opened in one of three orders (issue #15: pick the lower peak for the same wall):
//   after-load  CLAP and the CDM open, then the encoder opens, embeds, is released; then the song
//   first       the encoder opens alone, embeds, is released (load option `concepts`); then CLAP
//   concurrent  the encoder opens and embeds while the song is decoded and run through CLAP
// Usage: node concept-order.mjs <models dir> <song> <mode> <concept> <concept cache dir> [batch size] [external|as-is]
// Prints one JSON line: { mode, wallS, maxRssMB, conceptSha }.
import { createHash } from 'node:crypto';
import { Refractor } from '../dist/index.js';

const [models, song, mode, concept, cacheDir, batchSize, layout] = process.argv.slice(2);
const started = performance.now();
const common = { models, offline: true, conceptCache: cacheDir, keepTextEncoder: false, batchSize: Number(batchSize ?? 1), externalWeights: layout !== 'as-is' };
let embedding;
if (mode === 'first') {
  const refractor = await Refractor.load({ ...common, concepts: [concept] });
  embedding = await refractor.prepareConcept(concept);
  await refractor.scoreFile(song, { conceptEmbedding: embedding });
  await refractor.close();
} else if (mode === 'after-load') {
  const refractor = await Refractor.load(common);
  embedding = await refractor.prepareConcept(concept);
  await refractor.scoreFile(song, { conceptEmbedding: embedding });
  await refractor.close();
} else if (mode === 'concurrent') {
  const refractor = await Refractor.load(common);
  // The concept is only needed by the CDM, which costs nothing next to CLAP: scoring with zeros while the
  // encoder works has the cost of a pipeline that waits for the concept just before the CDM.
  [embedding] = await Promise.all([refractor.prepareConcept(concept), refractor.scoreFile(song, { conceptEmbedding: new Float32Array(768) })]);
  await refractor.close();
} else {
  throw new Error(`mode ${mode}: expected after-load, first or concurrent`);
}
const wallS = (performance.now() - started) / 1000;
console.log(JSON.stringify({ mode, wallS, maxRssMB: process.resourceUsage().maxRSS / 1024, conceptSha: createHash('sha256').update(new Uint8Array(embedding.buffer)).digest('hex').slice(0, 16) }));
