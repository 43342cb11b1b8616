import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidValueError, MODEL_FILE_ROLES, parseModelManifest } from '@refractor/core';
import { MANIFEST_PATH } from './helpers.js';

const raw = (): Record<string, any> => JSON.parse(readFileSync(MANIFEST_PATH, 'utf8'));
const DEBERTA = { repo: 'khursani8/microsoft_deberta-v3-base_onnx', revision: '18bd3afc2cc56b3384232ef64c4cc3c239f50f34' };
const CLAP = { repo: 'Xenova/larger_clap_music', revision: 'main' };

describe('the bundled manifest (@refractor/core)', () => {
  it('passes parseModelManifest with the default and tiny sets', () => {
    const manifest = parseModelManifest(raw(), MANIFEST_PATH);
    expect(manifest.version).toBe(1);
    expect(Object.keys(manifest.sets)).toEqual(['default', 'tiny']);
  });

  it('default: the real files, by repo, revision and path, without size or checksum', () => {
    const { files, testOnly } = parseModelManifest(raw()).sets['default']!;
    expect(testOnly).toBeUndefined();
    expect(files.base).toBeUndefined(); // the base model's weights are not published
    expect(files).toEqual({
      cdm: { repo: 'earthlyframes/refractor_cdm', revision: 'main', path: 'refractor_cdm.onnx' },
      'clap.config': { ...CLAP, path: 'config.json' },
      'clap.preprocessor': { ...CLAP, path: 'preprocessor_config.json' },
      'clap.model': { ...CLAP, path: 'onnx/audio_model.onnx' },
      'text.config': { ...DEBERTA, path: 'config.json' },
      'text.tokenizer': { ...DEBERTA, path: 'tokenizer.json' },
      'text.tokenizer_config': { ...DEBERTA, path: 'tokenizer_config.json' },
      'text.model': { ...DEBERTA, path: 'model.onnx' },
    });
  });

  it('tiny: test-only, says its predictions mean nothing, repo paths mirror the real repos', () => {
    const set = parseModelManifest(raw()).sets['tiny']!;
    expect(set.testOnly).toBe(true);
    expect(set.description).toMatch(/mean nothing/);
    const where = Object.fromEntries(Object.entries(set.files).map(([role, f]) => [role, `${f.repo}@${f.revision}:${f.path}`]));
    expect(where).toEqual({
      cdm: 'refractor-test/tiny-cdm@main:refractor_cdm.onnx',
      'clap.config': 'refractor-test/tiny-clap@main:config.json',
      'clap.preprocessor': 'refractor-test/tiny-clap@main:preprocessor_config.json',
      'clap.model': 'refractor-test/tiny-clap@main:onnx/audio_model.onnx',
      'text.config': 'refractor-test/tiny-deberta@main:config.json',
      'text.tokenizer': 'refractor-test/tiny-deberta@main:tokenizer.json',
      'text.tokenizer_config': 'refractor-test/tiny-deberta@main:tokenizer_config.json',
      'text.model': 'refractor-test/tiny-deberta@main:onnx/model.onnx',
      base: 'refractor-test/tiny-refractor@main:refractor.onnx',
    });
    for (const role of Object.keys(MODEL_FILE_ROLES)) {
      const file = set.files[role as keyof typeof MODEL_FILE_ROLES];
      expect(Number.isInteger(file.size) && file.size! > 0, role).toBe(true);
      expect(file.sha256, role).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('a damaged copy is refused (the validator is really applied to this shape)', () => {
    const broken = raw();
    broken.sets.tiny.files.cdm.sha256 = 'ABC';
    expect(() => parseModelManifest(broken, 'm.json')).toThrow(InvalidValueError);
    expect(() => parseModelManifest(broken, 'm.json')).toThrow(/sets\.tiny\.files\.cdm\.sha256/);
  });
});
