import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MODEL_CONTRACTS, bundledSetDirectory, checkModelContract, createNodeBackend } from '@refractor/node';
import { readEmbeddings } from '@refractor/train';
import { makeWav, seededNoise, sine } from '@refractor/test-helpers';
import { runRefractor } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-train-'));
const RATE = 22050;
const SECONDS = 12;
const FAST = ['--chunk-size', '5', '--chunk-stride', '5'];

/** Colors that differ in timbre: low sines, bright square waves, noise. */
function songSamples(color: 'Red' | 'Blue' | 'Violet', variant: number): Float64Array | Float32Array {
  if (color === 'Red') return sine(90 + 15 * variant, SECONDS, RATE, 0.5);
  if (color === 'Blue') return sine(900 + 120 * variant, SECONDS, RATE).map((v) => 0.3 * Math.sign(v));
  return seededNoise(SECONDS * RATE, 11 + variant, 0.6);
}

/** The original layout: <root>/<id>/<id>.yml and <id>_main.wav, 4 songs per color. */
function writeDataset(root: string): string {
  for (const color of ['Red', 'Blue', 'Violet'] as const) {
    for (let variant = 0; variant < 4; variant++) {
      const id = `${color.toLowerCase()}-${variant}`;
      mkdirSync(join(root, id), { recursive: true });
      writeFileSync(join(root, id, `${id}.yml`), `rainbow_color: ${variant % 2 ? color[0] : color}\nconcept: a ${color.toLowerCase()} song\n`);
      writeFileSync(join(root, id, `${id}_main.wav`), makeWav({ sampleRate: RATE, channels: [songSamples(color, variant)], bits: 16 }));
    }
  }
  return root;
}

describe('extract → train → validate, end to end with the tiny encoders', () => {
  it('trains a CDM from audio that tells the colors apart, and the exported model scores like it', () => {
    const dataset = writeDataset(join(work, 'dataset'));
    const embeddings = join(work, 'embeddings.npz');
    const extract = runRefractor(['extract', dataset, '--out', embeddings, '--models', 'tiny', '--offline', ...FAST]);
    expect(extract.status).toBe(0);
    const cache = readEmbeddings(new Uint8Array(readFileSync(embeddings)), embeddings);
    expect(cache.colors).toHaveLength(12 * 3); // 12 songs × 3 chunks (12 s, 5 s windows every 5 s)

    const model = join(work, 'trained', 'refractor_cdm.onnx');
    mkdirSync(join(work, 'trained'));
    const train = runRefractor(['train', embeddings, '--out', model, '--epochs', '40', '--seed', '3']);
    expect(train.status).toBe(0);
    expect(train.stderr).toMatch(/training on 36 chunks from 12 songs \(1280 inputs\), 40 epochs, seed 3/);
    expect(train.stderr.match(/^epoch +\d+\/40 +train loss \d\.\d{4}  val loss/gm)).toHaveLength(4); // every 10 epochs
    expect(train.stdout).toMatch(/^best epoch \d+ of 40/m);
    expect(train.stdout).toMatch(/^Overall /m);
    const report = JSON.parse(readFileSync(join(work, 'trained', 'refractor_cdm.report.json'), 'utf8'));
    expect(report.model).toBe(model);

    // The exported file keeps the published contract.
    return createNodeBackend().createSession(model).then(async (session) => {
      checkModelContract(session, MODEL_CONTRACTS.cdm, model);
      await session.release();
      // Swap it into a copy of the tiny set and validate on the songs.
      const set = join(work, 'set');
      cpSync(bundledSetDirectory('tiny')!, set, { recursive: true });
      copyFileSync(model, join(set, 'refractor_cdm.onnx'));
      const validate = runRefractor(['validate', dataset, '--models', set, '--offline', ...FAST, '--out', join(work, 'validation.json')]);
      expect(validate.status).toBe(0);
      const validation = JSON.parse(readFileSync(join(work, 'validation.json'), 'utf8'));
      // Timbres this different are easy: the trained CDM must get most songs right, by both rules
      // (Red, Blue and Violet have distinct targets, so the targets rule can name them all).
      expect(validation.metrics.probs.overall.total).toBe(12);
      expect(validation.metrics.probs.overall.accuracy).toBeGreaterThanOrEqual(0.75);
      expect(validation.metrics.targets.overall.accuracy).toBeGreaterThanOrEqual(0.75);
    });
  }, 180_000);

  it('trains without the concept half and refuses bad options', () => {
    const embeddings = join(work, 'embeddings.npz');
    if (!existsSync(embeddings)) return; // produced by the test above
    const model = join(work, 'no-concept.onnx');
    const run = runRefractor(['train', embeddings, '--out', model, '--epochs', '5', '--no-concept']);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/\(512 inputs\)/);
    expect(runRefractor(['train', embeddings, '--out', model, '--val-frac', '1.5']).status).toBe(2);
    expect(runRefractor(['train', embeddings, '--out', model, '--epochs', '0']).status).toBe(2);
    const missing = runRefractor(['train', join(work, 'nope.npz'), '--out', model]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/nope\.npz/);
  }, 60_000);
});
