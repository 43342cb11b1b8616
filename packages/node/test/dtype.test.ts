import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Refractor, bundledManifest, bundledSetDirectory, resolveModelSet } from '../src/index.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-dtype-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('dtype picks the encoder variant files of a model directory', () => {
  it('fp32 by default; q8 and fp16 by transformers.js names, for both encoders or each', async () => {
    const dir = join(work, 'set');
    cpSync(bundledSetDirectory('tiny')!, dir, { recursive: true });
    const manifest = bundledManifest();
    const fp32 = await resolveModelSet(dir, manifest);
    expect(fp32.files['clap.model']).toBe(join(dir, 'clap', 'onnx', 'audio_model.onnx'));
    await expect(resolveModelSet(dir, manifest, { dtype: 'q8' })).rejects.toThrow(/clap\/onnx\/audio_model_quantized\.onnx \(clap\.model\)[\s\S]*text\/onnx\/model_quantized\.onnx \(text\.model\)/);
    cpSync(join(dir, 'clap', 'onnx', 'audio_model.onnx'), join(dir, 'clap', 'onnx', 'audio_model_quantized.onnx'));
    const clapOnly = await resolveModelSet(dir, manifest, { dtype: { clap: 'q8' } });
    expect(clapOnly.files['clap.model']).toBe(join(dir, 'clap', 'onnx', 'audio_model_quantized.onnx'));
    expect(clapOnly.files['text.model']).toBe(join(dir, 'text', 'onnx', 'model.onnx'));
    await expect(resolveModelSet(dir, manifest, { dtype: 'fp16' })).rejects.toThrow(/audio_model_fp16\.onnx/);
  });

  it('loads and scores with the variant it was given', async () => {
    const dir = join(work, 'set');
    const refractor = await Refractor.load({ models: dir, dtype: { clap: 'q8' } });
    try {
      expect(refractor.modelSet.files['clap.model'].endsWith('audio_model_quantized.onnx')).toBe(true);
      const embedding = await refractor.prepareAudio(new Float32Array(48_000), 48_000);
      expect(embedding.length).toBe(512);
    } finally {
      await refractor.close();
    }
  });
});
