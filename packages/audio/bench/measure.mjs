// One measurement in a fresh process, so peak RSS belongs to that run alone.
// Usage: node measure.mjs <stage> <file>   stage: decode | resample | features | features-worker | file-worker
// Prints one JSON line: { stage, file, audioS, wallS, maxRssMB, chunks }.
import { ClapFeatureExtractor, LARGER_CLAP_MUSIC_PREPROCESSOR, StreamingResampler, downmix, songChunkFeatures } from '../dist/index.js';
import { openAudioFile, songChunkFeaturesInWorker, songFileFeaturesInWorker } from '../dist/node.js';

const [stage, file] = process.argv.slice(2);
const started = performance.now();
// file-worker reads and decodes on the worker: nothing is opened here.
const stream = stage === 'file-worker' ? undefined : await openAudioFile(file);
let frames = 0;
let sampleRate = 0;
let chunks = 0;
if (stage.startsWith('features') || stage === 'file-worker') {
  let summary;
  const onSummary = (s) => (summary = s);
  const chunkStream =
    stage === 'file-worker'
      ? songFileFeaturesInWorker(file, { config: LARGER_CLAP_MUSIC_PREPROCESSOR, onSummary })
      : stage === 'features-worker'
      ? songChunkFeaturesInWorker(stream, { config: LARGER_CLAP_MUSIC_PREPROCESSOR, name: file }, onSummary)
      : songChunkFeatures(stream, new ClapFeatureExtractor(LARGER_CLAP_MUSIC_PREPROCESSOR), { name: file }, onSummary);
  for await (const chunk of chunkStream) chunks += chunk.features.length > 0 ? 1 : 0;
  frames = summary.totalSamples;
  sampleRate = 48000;
} else {
  let resampler;
  for await (const block of stream) {
    sampleRate = block.sampleRate;
    frames += block.channels[0].length;
    if (stage === 'resample') {
      resampler ??= new StreamingResampler(block.sampleRate, 48000);
      resampler.process(downmix(block.channels));
    }
  }
  resampler?.flush();
}
const wallS = (performance.now() - started) / 1000;
const maxRssMB = process.resourceUsage().maxRSS / 1024;
console.log(JSON.stringify({ stage, file, audioS: frames / sampleRate, wallS, maxRssMB, chunks }));
