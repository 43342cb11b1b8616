import { COLOR_NAMES, COLOR_RULES, ERROR_TABLE, TARGET_TABLE_NAMES } from '@refractor/node';
import type { ServerLimits } from './options.js';
import { scoreParamsSchema } from './score-options.js';

/**
 * The service's OpenAPI document is generated from the routes (paths,
 * summaries, query parameters) and completed here with what the routes do
 * not declare to Fastify: request bodies (uploads are streams the handlers
 * read themselves), every status each route can answer with its schema and
 * examples, the record schemas, and the bearer scheme. Response schemas live
 * only in the document, so Fastify never reshapes a record while sending it.
 * The document is OpenAPI 3.1: its schemas are JSON Schema 2020-12, the
 * dialect the routes' own schemas are written in (`exclusiveMinimum: 0`).
 */

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const number = (description?: string): Schema => ({ type: 'number', ...(description ? { description } : {}) });
const unit = (description: string): Schema => ({ type: 'number', minimum: 0, maximum: 1, description });
const color: Schema = { type: 'string', enum: [...COLOR_NAMES] };
const sha256OrNull: Schema = { type: ['string', 'null'], pattern: '^[0-9a-f]{64}$', description: 'SHA-256 of the concept text (UTF-8, hex), or null for no concept' };
const scores = (description: string): Schema => ({ type: 'object', additionalProperties: { type: 'number' }, description });
const record = (properties: Record<string, Schema>, required: string[], description: string): Schema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
  description,
});

/** Record and error schemas (`components.schemas`). */
export function componentSchemas(): Record<string, Schema> {
  return {
    Error: {
      ...record(
        {
          error: {
            type: 'string',
            enum: Object.keys(ERROR_TABLE),
            description: "A stable, machine-readable code: the same vocabulary as the CLI's and the queue's records (core's `ERROR_TABLE` gives each code's status)",
            examples: ['decode'],
          },
          message: { type: 'string', description: 'One sentence: what was wrong and what was expected' },
          field: { type: 'string', description: 'The query parameter, form field or file part at fault, when there is one' },
        },
        ['error', 'message'],
        'The body of every error response',
      ),
      examples: [{ error: 'decode', message: 'part "file" (song.mp3): unsupported: not audio the decoder knows', field: 'file' }],
    },
    ScoreSettings: record(
      {
        models: { type: 'string', description: 'The model set' },
        test_only: { type: 'boolean', description: 'True for sets whose predictions mean nothing (the tiny test set)' },
        crop: { type: 'string' },
        seed: { type: 'integer' },
        chunk_size_s: number(),
        chunk_stride_s: number(),
        device: { type: 'string' },
        backend: { type: 'string' },
        batch_size: { type: 'integer' },
        concept_sha256: sha256OrNull,
        target: { type: ['string', 'null'], enum: [...COLOR_NAMES, null], description: 'The target color match and drift were computed against, or null for none' },
        targets: { type: 'string', enum: [...TARGET_TABLE_NAMES], description: 'The target table: canonical (the default) or card' },
        color_rule: { type: 'string', enum: [...COLOR_RULES], description: 'The rule that picked `predicted_color`' },
      },
      ['models', 'test_only', 'crop', 'seed', 'chunk_size_s', 'chunk_stride_s', 'device', 'backend', 'batch_size', 'concept_sha256', 'target', 'targets', 'color_rule'],
      'How a result was produced: enough to reproduce it',
    ),
    ScoreRecord: record(
      {
        file: { type: 'string' },
        model: { type: 'string', enum: ['cdm'], description: 'Which model answered: always the CDM for audio' },
        color: { ...color, description: "The color under the request's `color_rule` (the same as `predicted_color`)" },
        predicted_color: { ...color, description: "The color under the request's `color_rule` (default vote)" },
        predicted_color_by_vote: { ...color, description: "The majority of the chunks' colors, a tie going to the first seen" },
        predicted_color_by_probs: { ...color, description: 'The color with the highest pooled probability' },
        predicted_color_by_targets: { ...color, description: 'The color whose target rows match the distributions best' },
        confidence: unit('Mean chunk confidence'),
        temporal: scores('Temporal mode probabilities'),
        spatial: scores('Spatial mode probabilities'),
        ontological: scores('Ontological mode probabilities'),
        color_probs: scores('Probability of each color'),
        chunk_count: { type: 'integer', minimum: 0 },
        chunks: {
          type: 'array',
          items: record(
            { start_s: number(), end_s: number(), predicted_color: color, confidence: unit('Chunk confidence'), color_probs: scores('Probability of each color') },
            ['start_s', 'end_s', 'predicted_color', 'confidence', 'color_probs'],
            'One window of the song',
          ),
        },
        target_color: { ...color, description: 'The requested target (with `target`)' },
        chromatic_match: unit('How well the song matches the target (with `target`)'),
        drift: record(
          { temporal_delta: number(), spatial_delta: number(), ontological_delta: number(), overall_drift: number() },
          ['temporal_delta', 'spatial_delta', 'ontological_delta', 'overall_drift'],
          'Distance from the target per dimension (with `target`)',
        ),
        settings: ref('ScoreSettings'),
        input: record(
          { size: { type: 'integer', minimum: 0 }, sha256: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
          ['size', 'sha256'],
          'The size and SHA-256 of the bytes that were scored',
        ),
        settings_digest: { type: 'string', pattern: '^[0-9a-f]{16}$', description: 'A digest of the settings that decide the record (the same from `refractor score` and the queue)' },
      },
      ['file', 'model', 'color', 'predicted_color', 'predicted_color_by_vote', 'predicted_color_by_probs', 'predicted_color_by_targets', 'confidence', 'temporal', 'spatial', 'ontological', 'color_probs', 'chunk_count', 'chunks', 'settings', 'input', 'settings_digest'],
      'A scored audio file: the song record of `refractor score --format jsonl`, byte for byte (`color` and `predicted_color` under the request\'s `color_rule`)',
    ),
    CandidateSettings: record(
      {
        models: { type: 'string' },
        test_only: { type: 'boolean' },
        base_model: { type: ['string', 'null'], description: 'The base model file, or null when none was loaded' },
        concept_sha256: sha256OrNull,
        crop: { type: 'string' },
        seed: { type: 'integer' },
        batch_size: { type: 'integer' },
        targets: { type: 'string', enum: [...TARGET_TABLE_NAMES], description: 'The target table: canonical (the default) or card' },
      },
      ['models', 'test_only', 'base_model', 'concept_sha256', 'crop', 'seed', 'batch_size', 'targets'],
      'How candidate results were produced',
    ),
    CandidateRecord: record(
      {
        file: { type: 'string' },
        model: { type: 'string', enum: ['base', 'cdm'], description: 'Which model answered: the base model (MIDI) or the CDM (audio alone)' },
        rank: { type: 'integer', minimum: 0, description: '0-based, by confidence (batch only)' },
        confidence: unit('Confidence'),
        temporal: scores('Temporal mode probabilities'),
        spatial: scores('Spatial mode probabilities'),
        ontological: scores('Ontological mode probabilities'),
        predicted_color: {
          ...color,
          description: "The CDM's color for audio; for the base model (which outputs no color) derived from the three axes: the color whose target rows match them best, as a song's color is named",
        },
        color_probs: scores('CDM answers only'),
        settings: ref('CandidateSettings'),
      },
      ['file', 'model', 'confidence', 'temporal', 'spatial', 'ontological', 'predicted_color', 'settings'],
      'A scored candidate: the record of `refractor score --rank --format json`',
    ),
    BatchResult: {
      type: 'object',
      properties: {
        results: {
          type: 'array',
          description: 'Ranked results first (by confidence, descending, stable), then the candidates that could not be used',
          items: record(
            { input: { type: 'string' }, rank: { type: 'integer', minimum: 0 }, result: ref('CandidateRecord'), error: ref('Error') },
            ['input'],
            'One candidate: `rank` and `result`, or `error`',
          ),
        },
      },
      required: ['results'],
      additionalProperties: false,
    },
    ChunkEmbeddings: record(
      {
        file: { type: 'string' },
        dim: { type: 'integer', minimum: 0, description: 'Values per embedding (512)' },
        chunks: {
          type: 'array',
          items: record({ start_s: number(), end_s: number(), embedding: { type: 'array', items: { type: 'number' } } }, ['start_s', 'end_s', 'embedding'], 'One window'),
        },
        concept_embedding: { type: 'array', items: { type: 'number' }, description: 'With `concept`: its text embedding (768 values)' },
        settings: record(
          { models: { type: 'string' }, crop: { type: 'string' }, seed: { type: 'integer' }, chunk_size_s: number(), chunk_stride_s: number() },
          ['models', 'crop', 'seed', 'chunk_size_s', 'chunk_stride_s'],
          'How the windows were cut',
        ),
      },
      ['file', 'dim', 'chunks', 'settings'],
      "An audio file's per-chunk CLAP embeddings",
    ),
    ConceptEmbedding: record(
      { concept_embedding: { type: 'array', items: { type: 'number' }, description: 'The text embedding (768 values)' } },
      ['concept_embedding'],
      "A concept's text embedding (no audio sent)",
    ),
    ModelSet: record(
      {
        name: { type: 'string' },
        test_only: { type: 'boolean' },
        source: { type: 'string', description: 'Where the set came from' },
        device: { type: 'string' },
        backend: { type: 'string' },
        batch_size: { type: 'integer', description: "Chunks per CLAP run from one song (the server's batchSize)" },
        cross_request_batching: {
          oneOf: [
            record(
              {
                max_batch: { type: 'integer', minimum: 1, description: 'Most chunks in one shared CLAP run' },
                max_wait_ms: { type: 'number', minimum: 0, description: 'Longest a chunk waits for others to join its run' },
              },
              ['max_batch', 'max_wait_ms'],
              'On: the chunks of concurrent requests share CLAP runs (at most `limits.concurrency` songs at once)',
            ),
            { type: 'null', description: 'Off (the default on CPU, where batch 1 is fastest)' },
          ],
          description: 'Whether the CLAP chunks of concurrent requests share encoder runs (`--batching`); `/metrics` shows the run sizes as `refractor_encoder_batch_size`',
        },
        load_seconds: number('Seconds the models took to load'),
        files: {
          type: 'array',
          items: record({ role: { type: 'string' }, file: { type: 'string' }, bytes: { type: 'integer', minimum: 0 } }, ['role', 'file', 'bytes'], 'One model file'),
        },
      },
      ['name', 'test_only', 'device', 'backend', 'batch_size', 'cross_request_batching', 'files'],
      'The loaded model set (file names only: server paths stay private)',
    ),
    Health: record({ status: { const: 'ok' } }, ['status'], 'Liveness'),
    Readiness: record(
      {
        status: { type: 'string', enum: ['ready', 'loading', 'failed', 'stalled'] },
        models: { type: 'string', description: 'The model set (when ready)' },
        message: { type: 'string', description: 'Why not ready (when loading failed or the scoring slots are stuck)' },
      },
      ['status'],
      'Readiness: `ready` only when the models are loaded and a scoring slot can be had',
    ),
  };
}

/** Example error bodies, by status. */
const ERROR_EXAMPLES: Record<number, Array<[string, string, string?]>> = {
  400: [
    ['invalid-field', 'query parameter "seed" must be >= 0', 'seed'],
    ['unknown-field', 'unknown field "colour"; see /openapi.json for the accepted ones', 'colour'],
    ['empty', 'the request has no body; send an audio file (raw body or multipart)'],
  ],
  401: [['unauthorized', 'this server needs "Authorization: Bearer <token>"']],
  413: [
    ['too-large', "the upload is larger than the server's 209715200-byte limit"],
    ['too-long', "the audio is longer than the server's 3600 s limit", 'file'],
  ],
  415: [['unsupported-media-type', 'send audio as the raw body (Content-Type audio/* or application/octet-stream) or as multipart/form-data']],
  422: [
    ['decode', 'upload: unsupported: not audio the decoder knows (expected OGG/Vorbis, Opus, FLAC, MP3, WAV, …)'],
    ['midi', 'melody.mid: truncated: track 0 declares 120 bytes but only 40 remain'],
  ],
  429: [['busy', 'the server is busy (2 scoring, 32 waiting); retry after 4 s']],
  500: [['failed', 'the server failed while handling this request; it has been logged']],
  501: [['no-base-model', 'MIDI needs the base model, which this server has not loaded']],
  503: [
    ['timeout', "the request took longer than the server's 300 s limit; retry later or send a shorter file"],
    ['not-ready', 'the models are still loading; retry shortly (GET /readyz says when they are ready)'],
  ],
};

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad request: a parameter, field or body the server cannot use (named in `field`)',
  401: 'Missing or wrong bearer token (`WWW-Authenticate: Bearer`)',
  413: 'Over a limit: body size, audio duration, parts, fields',
  415: 'A content type (or a file type) this endpoint does not take',
  422: 'The upload could not be decoded',
  429: 'Every scoring slot is taken and the queue is full; retry after `Retry-After` seconds',
  500: 'The server failed (logged; the message reveals nothing)',
  501: 'The request needs a model this server has not loaded',
  503: 'Not ready, shutting down, or past the per-request time limit; retry after `Retry-After` seconds',
};

const retryAfter = { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer', minimum: 1 } } };

function errorResponse(status: number): Schema {
  const examples = Object.fromEntries(
    ERROR_EXAMPLES[status]!.map(([error, message, field]) => [error, { value: { error, message, ...(field ? { field } : {}) } }]),
  );
  return {
    description: STATUS_TEXT[status],
    ...(status === 429 || status === 503 ? { headers: retryAfter } : {}),
    ...(status === 401 ? { headers: { 'WWW-Authenticate': { description: '`Bearer`', schema: { type: 'string' } } } } : {}),
    content: { 'application/json': { schema: ref('Error'), examples } },
  };
}

function ok(description: string, schema: Schema): Schema {
  return { description, content: { 'application/json': { schema } } };
}

/** Every status each route answers (401 only when a token is required). */
function routeResponses(token: boolean): Record<string, Record<string, Schema>> {
  const errors = (...statuses: number[]) => Object.fromEntries(statuses.filter((s) => token || s !== 401).map((s) => [String(s), errorResponse(s)]));
  const upload = [400, 401, 413, 415, 422, 429, 500, 503];
  return {
    'get /healthz': { 200: ok('The process serves requests', ref('Health')) },
    'get /readyz': {
      200: ok('The models are loaded', ref('Readiness')),
      503: { description: 'Loading, failed, or every scoring slot held past the time limit', headers: retryAfter, content: { 'application/json': { schema: ref('Readiness') } } },
    },
    'get /metrics': {
      200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: { type: 'string' } } } },
      ...errors(401, 500),
    },
    'get /v1/models': { 200: ok('The loaded model set', ref('ModelSet')), ...errors(401, 500, 503) },
    'post /v1/score': {
      200: ok('Audio: a score record; MIDI: a candidate record', { oneOf: [ref('ScoreRecord'), ref('CandidateRecord')] }),
      ...errors(...upload, 501),
    },
    'post /v1/score/batch': { 200: ok('The candidates, ranked', ref('BatchResult')), ...errors(...upload, 501) },
    'post /v1/embed': { 200: ok('Chunk embeddings (audio sent) or a concept embedding (concept only)', { oneOf: [ref('ChunkEmbeddings'), ref('ConceptEmbedding')] }), ...errors(...upload) },
  };
}

/** The request bodies the handlers read themselves. */
function requestBodies(limits: ServerLimits): Record<string, Schema> {
  const params = scoreParamsSchema(limits).properties;
  const binary = (description: string): Schema => ({ type: 'string', contentMediaType: 'application/octet-stream', description });
  const raw = (what: string): Record<string, Schema> => ({
    'audio/*': { schema: binary(`${what}; the format is recognised from the bytes (OGG/Vorbis, Opus, FLAC, MP3, WAV, …)`) },
    'application/octet-stream': { schema: binary(what) },
  });
  const form = (fields: string[], file: Schema, required: string[]): Schema => ({
    schema: {
      type: 'object',
      properties: { ...Object.fromEntries(fields.map((name) => [name, params[name as keyof typeof params]])), ...file },
      required,
    },
    encoding: { file: { contentType: 'audio/*, audio/midi, application/octet-stream' } },
  });
  const scoreFields = ['concept', 'lyric', 'sounds_like', 'target', 'crop', 'seed', 'chunk_size_s', 'chunk_stride_s', 'chunk_size', 'chunk_stride', 'targets', 'color_rule'];
  const fileField = { file: binary('The file (any field name; fields must come before it)') };
  return {
    'post /v1/score': {
      required: true,
      description: `One audio or MIDI file (at most ${limits.bodyBytes} bytes, ${limits.audioSeconds} s): the raw body, or a form whose option fields come before its one file part.`,
      content: { ...raw('The audio file'), 'audio/midi': { schema: binary('A MIDI file (scored by the base model; needs `concept`)') }, 'multipart/form-data': form(scoreFields, fileField, ['file']) },
    },
    'post /v1/score/batch': {
      required: true,
      description: `Only multipart/form-data: option fields first, then one file part per candidate (MIDI or audio, at most ${limits.candidates}, any field names).`,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            properties: {
              ...Object.fromEntries(['concept', 'lyric', 'sounds_like', 'crop', 'seed', 'targets'].map((name) => [name, params[name as keyof typeof params]])),
              file: { type: 'array', maxItems: limits.candidates, items: binary('One candidate (MIDI or audio)') },
            },
            required: ['file'],
          },
          encoding: { file: { contentType: 'audio/*, audio/midi, application/octet-stream' } },
        },
      },
    },
    'post /v1/embed': {
      required: false,
      description: 'An audio file (raw body or multipart, as /v1/score), or a JSON `{ "concept": "…" }` for a concept embedding alone (or no body and `?concept=`).',
      content: {
        ...raw('The audio file'),
        'multipart/form-data': form(['concept', 'crop', 'seed', 'chunk_size_s', 'chunk_stride_s', 'chunk_size', 'chunk_stride'], fileField, ['file']),
        'application/json': { schema: { type: 'object', additionalProperties: false, required: ['concept'], properties: { concept: params.concept } } },
      },
    },
  };
}

/** Routes anyone may call without the token. */
const OPEN = new Set(['get /healthz', 'get /readyz']);

interface Document {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: Record<string, unknown>;
  security?: unknown;
}

/**
 * Completes the generated document (see the module comment). Pass it as
 * @fastify/swagger's `transformObject`.
 *
 * @example
 * ```ts
 * await app.register(swagger, { openapi: { openapi: '3.1.0', info }, transformObject: ({ openapiObject }) => completeDocument(openapiObject, { limits, token: false }) });
 * ```
 */
export function completeDocument<T>(generated: T, options: { limits: ServerLimits; token: boolean }): T {
  const document = structuredClone(generated) as T & Document;
  const responses = routeResponses(options.token);
  const bodies = requestBodies(options.limits);
  for (const [path, operations] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const key = `${method} ${path}`;
      if (responses[key]) operation.responses = responses[key];
      if (bodies[key]) operation.requestBody = bodies[key];
      if (options.token && OPEN.has(key)) operation.security = [];
    }
  }
  document.components = {
    ...document.components,
    schemas: componentSchemas(),
    ...(options.token ? { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'The token given to `refractor serve --token`' } } } : {}),
  };
  if (options.token) document.security = [{ bearer: [] }];
  return document;
}
