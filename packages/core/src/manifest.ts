import { InvalidValueError } from './errors.js';

/**
 * The files of a model set, by role. A set is usable once every role resolves
 * to a file. `localPath` is where the file sits inside a set directory (the
 * layout of `models/tiny/` and of a user's `--models <dir>`).
 */
export const MODEL_FILE_ROLES = Object.freeze({
  cdm: 'refractor_cdm.onnx',
  'clap.config': 'clap/config.json',
  'clap.preprocessor': 'clap/preprocessor_config.json',
  'clap.model': 'clap/onnx/audio_model.onnx',
  'text.config': 'text/config.json',
  'text.tokenizer': 'text/tokenizer.json',
  'text.tokenizer_config': 'text/tokenizer_config.json',
  'text.model': 'text/onnx/model.onnx',
} as const);

/** One of the roles above. */
export type ModelFileRole = keyof typeof MODEL_FILE_ROLES;

/**
 * Files a set may have beside the required ones: `base` is the base Refractor
 * model, which the CDM accompanies (`refractor.onnx` beside
 * `refractor_cdm.onnx`). The default set has none: its weights are not published.
 */
export const OPTIONAL_MODEL_FILE_ROLES = Object.freeze({
  base: 'refractor.onnx',
} as const);

/** One of the optional roles. */
export type OptionalModelFileRole = keyof typeof OPTIONAL_MODEL_FILE_ROLES;

/** A required or optional role. */
export type AnyModelFileRole = ModelFileRole | OptionalModelFileRole;

/** Where a role's file sits inside a set directory. */
export function modelFileLocalPath(role: AnyModelFileRole): string {
  return role in OPTIONAL_MODEL_FILE_ROLES ? OPTIONAL_MODEL_FILE_ROLES[role as OptionalModelFileRole] : MODEL_FILE_ROLES[role as ModelFileRole];
}

/**
 * The roles a set has files for: every required role, then the optional ones it lists.
 *
 * @example
 * ```ts
 * modelSetRoles(manifest.sets.tiny);    // [..., 'text.model', 'base']
 * modelSetRoles(manifest.sets.default); // no 'base': its weights are not published
 * ```
 */
export function modelSetRoles(set: Pick<ModelSet, 'files'>): AnyModelFileRole[] {
  const optional = (Object.keys(OPTIONAL_MODEL_FILE_ROLES) as OptionalModelFileRole[]).filter((role) => set.files[role] !== undefined);
  return [...(Object.keys(MODEL_FILE_ROLES) as ModelFileRole[]), ...optional];
}

/** Where one file of a set comes from on the Hugging Face hub. */
export interface ModelFileSource {
  /** `owner/name` of the hub repository. */
  repo: string;
  /** Branch, tag or commit. */
  revision: string;
  /** Path inside the repository. */
  path: string;
  /** Bytes, when known: checked after download. */
  size?: number;
  /** Lowercase hex SHA-256, when known: checked after download and by `verify`. */
  sha256?: string;
}

/** A named set of the three models. */
export interface ModelSet {
  description: string;
  /** True for sets whose predictions mean nothing (the generated tiny set). */
  testOnly?: boolean;
  files: Record<ModelFileRole, ModelFileSource> & Partial<Record<OptionalModelFileRole, ModelFileSource>>;
}

/** A model manifest (the bundled one: {@link BUNDLED_MANIFEST}). */
export interface ModelManifest {
  version: 1;
  sets: Record<string, ModelSet>;
}

const SHA256 = /^[0-9a-f]{64}$/;
/** A repo-name or path segment: no empty, `.` or `..` segments, no backslashes (they would escape the cache). */
const SAFE_SEGMENT = /^(?!\.{1,2}$)[\w.-]+$/;
const safePath = (value: unknown): boolean => typeof value === 'string' && value.split('/').every((part) => SAFE_SEGMENT.test(part));

/**
 * Checks a parsed manifest and returns it typed, naming the first bad field
 * (`sets.tiny.files.cdm.sha256`) and what was expected.
 *
 * @example
 * ```ts
 * const manifest = parseModelManifest(JSON.parse(text), 'my-manifest.json');
 * manifest.sets.default.files.cdm.repo; // 'earthlyframes/refractor_cdm'
 * ```
 */
export function parseModelManifest(json: unknown, source = 'manifest'): ModelManifest {
  const fail = (field: string, value: unknown, expected: string): never => {
    throw new InvalidValueError(`${source}: ${field}`, value, expected);
  };
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(json)) return fail('(top level)', json, 'an object');
  if (json.version !== 1) fail('version', json.version, '1');
  if (!isObject(json.sets) || Object.keys(json.sets).length === 0) fail('sets', json.sets, 'an object with at least one set');
  for (const [name, set] of Object.entries(json.sets as Record<string, unknown>)) {
    const at = `sets.${name}`;
    if (!isObject(set)) return fail(at, set, 'an object');
    if (typeof set.description !== 'string') fail(`${at}.description`, set.description, 'a string');
    if (set.testOnly !== undefined && typeof set.testOnly !== 'boolean') fail(`${at}.testOnly`, set.testOnly, 'a boolean');
    if (!isObject(set.files)) return fail(`${at}.files`, set.files, 'an object keyed by role');
    const files = set.files;
    const optional = Object.keys(OPTIONAL_MODEL_FILE_ROLES).filter((role) => files[role] !== undefined);
    for (const role of [...Object.keys(MODEL_FILE_ROLES), ...optional]) {
      const file = files[role];
      const fileAt = `${at}.files.${role}`;
      if (!isObject(file)) return fail(fileAt, file, 'an object with repo, revision and path');
      if (!safePath(file.repo) || (file.repo as string).split('/').length !== 2) fail(`${fileAt}.repo`, file.repo, '"owner/name"');
      if (!safePath(file.revision)) fail(`${fileAt}.revision`, file.revision, 'a branch, tag or commit');
      if (!safePath(file.path)) fail(`${fileAt}.path`, file.path, 'a relative path inside the repository (no "..", ".", empty segments or backslashes)');
      if (file.size !== undefined && !(Number.isInteger(file.size) && (file.size as number) >= 0)) fail(`${fileAt}.size`, file.size, 'a byte count');
      if (file.sha256 !== undefined && !(typeof file.sha256 === 'string' && SHA256.test(file.sha256))) {
        fail(`${fileAt}.sha256`, file.sha256, '64 lowercase hex digits');
      }
    }
    const unknownRoles = Object.keys(set.files).filter((role) => !(role in MODEL_FILE_ROLES) && !(role in OPTIONAL_MODEL_FILE_ROLES));
    if (unknownRoles.length) {
      fail(`${at}.files`, unknownRoles, `only the roles ${Object.keys(MODEL_FILE_ROLES).join(', ')} (and optionally ${Object.keys(OPTIONAL_MODEL_FILE_ROLES).join(', ')})`);
    }
  }
  return json as unknown as ModelManifest;
}
