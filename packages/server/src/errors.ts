import { ERROR_TABLE, RefractorError, errorOutcome, type RefractorErrorCode } from '@refractor/node';

/** The body of every error response. */
export interface ErrorBody {
  /** A stable, machine-readable code, the same as the CLI's and the queue's (`decode`, `too-large`, …). */
  error: RefractorErrorCode;
  /** One sentence: what was wrong and what was expected. */
  message: string;
  /** The query parameter, form field or file part at fault, when there is one. */
  field?: string;
}

/**
 * An error the server answers with: a {@link RefractorError} whose HTTP
 * status comes from the one error table (core's `ERROR_TABLE`).
 *
 * @example
 * ```ts
 * throw new ApiError('no-file', 'the form holds no file part; add the audio as a file field');
 * ```
 */
export class ApiError extends RefractorError {
  override readonly name = 'ApiError';
  /** The HTTP status: the table's for the code, unless the framework already chose a 4xx. */
  readonly statusCode: number;
  constructor(
    code: RefractorErrorCode,
    message: string,
    readonly field?: string,
    /** Extra response headers (`Retry-After`, `WWW-Authenticate`). */
    readonly headers: Record<string, string> = {},
    status?: number,
  ) {
    super(message, { code });
    this.statusCode = status ?? ERROR_TABLE[code].http;
  }

  body(): ErrorBody {
    return { error: this.code, message: this.message, ...(this.field !== undefined ? { field: this.field } : {}) };
  }
}

/** Fastify's and @fastify/multipart's error codes for bad requests, as ours (statuses from the table). */
const FRAMEWORK_CODES: Record<string, RefractorErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported-media-type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad-content-length',
  FST_ERR_CTP_BODY_TOO_LARGE: 'too-large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'empty',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid-json',
  FST_REQ_FILE_TOO_LARGE: 'too-large',
  FST_PARTS_LIMIT: 'too-many-parts',
  FST_FILES_LIMIT: 'too-many-files',
  FST_FIELDS_LIMIT: 'too-many-fields',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'unsupported-media-type',
  FST_PROTO_VIOLATION: 'invalid-field',
  FST_ERR_HANDLER_TIMEOUT: 'timeout',
};

/** Clearer words than the framework's for some codes. */
const MESSAGES: Record<string, string> = {
  'unsupported-media-type': 'send audio as the raw body (Content-Type audio/* or application/octet-stream) or as multipart/form-data',
  timeout: 'the request took longer than the server allows; try again later or send a shorter file',
  'too-many-files': 'the form holds more file parts than this endpoint takes (one for /v1/score and /v1/embed; /v1/score/batch says its limit in /openapi.json)',
  'too-many-fields': 'the form holds more fields than the server allows',
  'too-many-parts': 'the form holds more parts than the server allows',
};

interface FrameworkError extends Error {
  code?: string;
  statusCode?: number;
  validation?: Array<{ instancePath: string; keyword: string; params: Record<string, unknown>; message?: string }>;
  validationContext?: string;
}

/** The first {@link ApiError} in an error's `cause` chain (decoders wrap the errors our byte sources throw). */
function apiCause(error: unknown): ApiError | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof ApiError) return e;
  }
  return undefined;
}

/** A schema validation failure as one sentence naming the field. */
function validationError(error: FrameworkError): ApiError {
  const [first] = error.validation!;
  const where = error.validationContext === 'querystring' ? 'query parameter' : 'field';
  if (first?.keyword === 'additionalProperty' || first?.keyword === 'additionalProperties') {
    const field = String(first.params.additionalProperty);
    return new ApiError('unknown-field', `unknown ${where} "${field}"; see /openapi.json for the accepted ones`, field);
  }
  const path = first?.instancePath.replace(/^\//, '').split('/')[0] || String(first?.params.missingProperty ?? '');
  const field = path || undefined;
  const tooLong = first?.keyword === 'maxLength' || first?.keyword === 'maxItems';
  return new ApiError(tooLong ? 'field-too-long' : 'invalid-field', `${field ? `${where} "${field}"` : 'the request'} ${first?.message ?? 'is invalid'}`, field);
}

/**
 * Turns any error into what the client sees, by the one error table (core's
 * `errorOutcome`: the error's `code`, never its name or message). Bad input
 * always maps to a 4xx naming the problem; only our own failures become a
 * 500 `failed` (with a message that reveals nothing).
 */
export function toApiError(error: unknown): ApiError {
  const api = apiCause(error);
  if (api) return api;
  const framework = error as FrameworkError;
  if (framework.validation) return validationError(framework);
  const known = framework.code ? FRAMEWORK_CODES[framework.code] : undefined;
  if (known) {
    const retry: Record<string, string> = ERROR_TABLE[known].http === 503 ? { 'retry-after': '5' } : {};
    return new ApiError(known, MESSAGES[known] ?? framework.message, undefined, retry);
  }
  // Other 4xx errors from the framework (malformed headers, …) keep their status.
  if (!(error instanceof RefractorError) && typeof framework.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
    return new ApiError('bad-request', framework.message, undefined, {}, framework.statusCode);
  }
  const outcome = errorOutcome(error);
  if (outcome.code === 'failed') return new ApiError('failed', 'the server failed while handling this request; it has been logged');
  if (outcome.code === 'empty') return new ApiError('empty', 'the upload holds 0 bytes; expected an audio or MIDI file', uploadField(error));
  // A color is only ever the `target` parameter here.
  return new ApiError(outcome.code, outcome.message, outcome.code === 'unknown-color' ? 'target' : uploadField(error));
}

/** The multipart field an upload error refers to: our sources name streams `part "field" (filename)`. */
function uploadField(error: unknown): string | undefined {
  const file = (error as { file?: unknown } | null)?.file;
  return typeof file === 'string' ? /^part "([^"]+)"/.exec(file)?.[1] : undefined;
}
