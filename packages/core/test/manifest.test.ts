import { describe, expect, it } from 'vitest';
import { InvalidValueError, MODEL_FILE_ROLES, parseModelManifest } from '../src/index.js';

function manifest(overrides: Record<string, unknown> = {}) {
  const files = Object.fromEntries(
    Object.keys(MODEL_FILE_ROLES).map((role) => [role, { repo: 'owner/repo', revision: 'main', path: `${role}.bin` }]),
  );
  return { version: 1, sets: { tiny: { description: 'test', testOnly: true, files: { ...files, ...overrides } } } };
}

describe('parseModelManifest', () => {
  it('accepts a complete set', () => {
    expect(parseModelManifest(manifest()).sets.tiny!.files.cdm.repo).toBe('owner/repo');
  });

  it.each([
    [{ cdm: { repo: 'no-slash', revision: 'main', path: 'a' } }, /sets\.tiny\.files\.cdm\.repo is "no-slash"; expected "owner\/name"/],
    [{ cdm: { repo: 'a/b', revision: 'main', path: '../escape' } }, /files\.cdm\.path/],
    [{ cdm: { repo: 'a/b', revision: 'main', path: 'a//b' } }, /files\.cdm\.path/],
    [{ cdm: { repo: 'a/b', revision: 'main', path: 'a\\b' } }, /files\.cdm\.path/],
    [{ cdm: { repo: '../b', revision: 'main', path: 'x' } }, /files\.cdm\.repo/],
    [{ cdm: { repo: 'a/b', revision: '../x', path: 'x' } }, /files\.cdm\.revision/],
    [{ cdm: { repo: 'a/b', revision: 'main', path: 'x', sha256: 'ABC' } }, /files\.cdm\.sha256 is "ABC"; expected 64 lowercase hex digits/],
    [{ cdm: { repo: 'a/b', revision: 'main', path: 'x', size: -1 } }, /files\.cdm\.size is -1/],
    [{ cdm: undefined }, /files\.cdm is undefined/],
    [{ extra: { repo: 'a/b', revision: 'main', path: 'x' } }, /only the roles/],
  ])('names the bad field (%#)', (overrides, message) => {
    expect(() => parseModelManifest(manifest(overrides), 'm.json')).toThrow(InvalidValueError);
    expect(() => parseModelManifest(manifest(overrides), 'm.json')).toThrow(message);
  });

  it('rejects a wrong version and an empty set list', () => {
    expect(() => parseModelManifest({ version: 2, sets: {} })).toThrow(/version is 2; expected 1/);
    expect(() => parseModelManifest({ version: 1, sets: {} })).toThrow(/sets/);
  });
});
