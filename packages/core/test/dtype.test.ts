import { describe, expect, it } from 'vitest';
import { BUNDLED_MANIFEST, dtypeFilePath, dtypeForRole, modelSetForDtype, parseModelDtype, parseModelManifest } from '../src/index.js';

describe('encoder dtype variants (transformers.js names)', () => {
  it('maps fp32 / fp16 / q8 to the file names transformers.js uses', () => {
    expect(dtypeFilePath('clap/onnx/audio_model.onnx', 'fp32')).toBe('clap/onnx/audio_model.onnx');
    expect(dtypeFilePath('clap/onnx/audio_model.onnx', 'fp16')).toBe('clap/onnx/audio_model_fp16.onnx');
    expect(dtypeFilePath('clap/onnx/audio_model.onnx', 'q8')).toBe('clap/onnx/audio_model_quantized.onnx');
    expect(dtypeFilePath('model.onnx', 'q8')).toBe('model_quantized.onnx');
  });

  it('refuses unknown dtypes, naming the field and the choices', () => {
    expect(() => parseModelDtype('int4')).toThrow(/dtype.*int4.*"fp32", "fp16", "q8"/s);
    expect(() => dtypeForRole({ clap: 'q4' as never }, 'clap.model')).toThrow(/dtype\.clap/);
  });

  it('one dtype for both encoders or one each; the CDM and configs never change', () => {
    const set = BUNDLED_MANIFEST.sets.default!;
    const q8 = modelSetForDtype(set, 'q8');
    expect(q8.files['clap.model']).toEqual({ repo: set.files['clap.model'].repo, revision: set.files['clap.model'].revision, path: 'onnx/audio_model_quantized.onnx' });
    expect(q8.files['text.model'].path).toBe('model_quantized.onnx');
    expect(q8.files.cdm).toBe(set.files.cdm);
    expect(q8.files['clap.config']).toBe(set.files['clap.config']);
    const mixed = modelSetForDtype(set, { clap: 'fp16' });
    expect(mixed.files['clap.model'].path).toBe('onnx/audio_model_fp16.onnx');
    expect(mixed.files['text.model']).toBe(set.files['text.model']);
    expect(modelSetForDtype(set, 'fp32')).toEqual(set);
  });

  it('uses a manifest set\'s explicit variant entries (with size and sha256) when it has them', () => {
    const json = structuredClone(BUNDLED_MANIFEST) as unknown as { sets: Record<string, Record<string, unknown>> };
    const sha256 = 'a'.repeat(64);
    json.sets.default!.variants = { q8: { 'clap.model': { repo: 'someone/clap-q8', revision: 'v1', path: 'q8/audio.onnx', size: 123, sha256 } } };
    const manifest = parseModelManifest(json);
    const q8 = modelSetForDtype(manifest.sets.default!, 'q8');
    expect(q8.files['clap.model']).toEqual({ repo: 'someone/clap-q8', revision: 'v1', path: 'q8/audio.onnx', size: 123, sha256 });
    expect(q8.files['text.model'].path).toBe('model_quantized.onnx');
  });

  it('checks variant entries like files, naming the bad field', () => {
    const json = structuredClone(BUNDLED_MANIFEST) as unknown as { sets: Record<string, Record<string, unknown>> };
    json.sets.default!.variants = { q8: { 'clap.model': { repo: 'no-slash', revision: 'main', path: 'a.onnx' } } };
    expect(() => parseModelManifest(json, 'm.json')).toThrow(/m\.json: sets\.default\.variants\.q8\.clap\.model\.repo/);
    json.sets.default!.variants = { int4: {} };
    expect(() => parseModelManifest(json, 'm.json')).toThrow(/variants.*int4/);
    json.sets.default!.variants = { q8: { cdm: { repo: 'a/b', revision: 'main', path: 'a.onnx' } } };
    expect(() => parseModelManifest(json, 'm.json')).toThrow(/variants\.q8.*cdm.*clap\.model or text\.model/);
  });
});
