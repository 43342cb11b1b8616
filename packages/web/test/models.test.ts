import { describe, expect, it } from 'vitest';
import { MODEL_FILE_ROLES } from '@refractor/core';
import { MANIFEST, modelUrl } from '../src/models.js';

describe('modelUrl', () => {
  it('joins a set directory base URL with the role layout', () => {
    expect(modelUrl('/models/tiny/', 'cdm')).toBe('/models/tiny/refractor_cdm.onnx');
    expect(modelUrl('https://example.org/sets/tiny', 'clap.model')).toBe('https://example.org/sets/tiny/clap/onnx/audio_model.onnx');
    for (const [role, path] of Object.entries(MODEL_FILE_ROLES)) expect(modelUrl('/m/', role as keyof typeof MODEL_FILE_ROLES)).toBe(`/m/${path}`);
  });

  it('defaults to the hub resolve URLs of the manifest set', () => {
    const f = MANIFEST.sets.default!.files['text.model'];
    expect(modelUrl(undefined, 'text.model')).toBe(`https://huggingface.co/${f.repo}/resolve/${f.revision}/${f.path}`);
    expect(modelUrl(undefined, 'cdm')).toBe('https://huggingface.co/earthlyframes/refractor_cdm/resolve/main/refractor_cdm.onnx');
    expect(() => modelUrl(undefined, 'cdm', { set: 'nope' })).toThrow(/no model set "nope"/);
  });
});
