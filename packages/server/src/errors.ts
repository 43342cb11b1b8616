import { AudioDecodeError } from '@refractor/audio';
import { RefractorError, UnknownColorError } from '@refractor/node';

/** The body of every error response. */
export interface ErrorBody {
  /** A stable, machine-readable code (`unreadable-audio`, `too-large`, …). */
  error: string;
  /** One sentence: what was wrong and what was expected. */
  message: string;
  /** The query parameter, form field or file part at fault, when there is one. */
  field?: string;
}

/** An error the server answers with a given status and body. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    /** Extra response headers (`Retry-After`, `WWW-Authenticate`). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: this.code, message: this.message, ...(this.field !== undefined ? { field: this.field } : {}) };
  }
}

/** Fastify's and @fastify/multipart's error codes for bad requests, as our codes. */
const FRAMEWORK_CODES: Record<string, [number, string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported-media-type'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad-content-length'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'too-large'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'empty-body'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'invalid-json'],
  FST_REQ_FILE_TOO_LARGE: [413, 'too-large'],
  FST_PARTS_LIMIT: [413, 'too-many-parts'],
  FST_FILES_LIMIT: [413, 'too-many-files'],
  FST_FIELDS_LIMIT: [413, 'too-many-fields'],
  FST_INVALID_MULTIPART_CONTENT_TYPE: [415, 'unsupported-media-type'],
  FST_PROTO_VIOLATION: [400, 'invalid-field'],
  FST_ERR_HANDLER_TIMEOUT: [503, 'timeout'],
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
    return new ApiError(400, 'unknown-field', `unknown ${where} "${field}"; see /openapi.json for the accepted ones`, field);
  }
  const path = first?.instancePath.replace(/^\//, '').split('/')[0] || String(first?.params.missingProperty ?? '');
  const field = path || undefined;
  const tooLong = first?.keyword === 'maxLength' || first?.keyword === 'maxItems';
  return new ApiError(400, tooLong ? 'too-long' : 'invalid-field', `${field ? `${where} "${field}"` : 'the request'} ${first?.message ?? 'is invalid'}`, field);
}

/**
 * Turns any error into what the client sees. Bad input always maps to a 4xx
 * naming the problem; only our own failures become a 500 (with a message
 * that reveals nothing).
 */
export function toApiError(error: unknown): ApiError {
  const api = apiCause(error);
  if (api) return api;
  if (error instanceof Error && error.name === 'BaseModelMissingError') return new ApiError(501, 'no-base-model', error.message);
  if (error instanceof AudioDecodeError && error.name === 'MidiParseError') {
    if (error.code === 'empty') return new ApiError(400, 'empty-body', 'the upload holds 0 bytes; expected a MIDI or audio file', fieldOf(error));
    return new ApiError(422, 'unreadable-midi', error.message, fieldOf(error));
  }
  if (error instanceof AudioDecodeError) {
    if (error.code === 'empty') return new ApiError(400, 'empty-body', `the upload holds 0 bytes; expected an audio file`, fieldOf(error));
    return new ApiError(422, 'unreadable-audio', error.message, fieldOf(error));
  }
  if (error instanceof UnknownColorError) return new ApiError(400, 'unknown-color', error.message, 'target');
  const framework = error as FrameworkError;
  if (framework.validation) return validationError(framework);
  const known = framework.code ? FRAMEWORK_CODES[framework.code] : undefined;
  if (known) {
    const [status, code] = known;
    const retry: Record<string, string> = status === 503 ? { 'retry-after': '5' } : {};
    const message = MESSAGES[code] ?? framework.message;
    return new ApiError(status, code, message, undefined, retry);
  }
  // Other 4xx errors from the framework (malformed headers, …) keep their status.
  if (typeof framework.statusCode === 'number' && framework.statusCode >= 400 && framework.statusCode < 500) {
    return new ApiError(framework.statusCode, 'bad-request', framework.message);
  }
  if (error instanceof RefractorError) return new ApiError(400, 'invalid-input', error.message);
  return new ApiError(500, 'internal', 'the server failed while handling this request; it has been logged');
}

/** The multipart field or file name an upload error refers to (our sources name streams `field:filename`). */
function fieldOf(error: AudioDecodeError): string | undefined {
  const match = /^part "([^"]+)"/.exec(error.file);
  return match?.[1];
}
