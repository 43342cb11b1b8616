import type { Readable } from 'node:stream';
import type { FastifyRequest } from 'fastify';
import type { Multipart, MultipartFile } from '@fastify/multipart';
import { ApiError } from './errors.js';
import type { ServerLimits } from './options.js';
import { abortion, uploadBytes, type ByteBudget } from './upload.js';
import { requestSignal } from './deadline.js';

/** One uploaded file: its label and its bytes, streamed. */
export interface Upload {
  /** The result's `file`: the part's file name, the `name` parameter, or `upload`. */
  name: string;
  /** The multipart field it came in, for error messages. */
  field?: string;
  bytes: AsyncIterable<Uint8Array>;
}

/** A scoring request's parameters (query merged with the form fields before the first file) and its files, in order. */
export interface RequestInput {
  params: Record<string, unknown>;
  /** Files as they arrive; each must be read to its end (or the request abandoned) before the next. */
  files: AsyncIterable<Upload>;
}

/** Validates parameters from form fields with the route's query schema (so both give the same errors). */
export type ParamsCheck = (params: Record<string, unknown>) => void;

/**
 * Reads a scoring request without buffering it: a raw body (`audio/*`,
 * `application/octet-stream`) is one file; a multipart form gives its fields
 * (which must come before the files, as `curl -F`, Python's requests and
 * browsers' FormData send them when appended first) and then its files.
 */
export async function readRequestInput(
  request: FastifyRequest,
  options: { limits: ServerLimits; maxFiles: number; check: ParamsCheck },
): Promise<RequestInput> {
  const { limits, maxFiles, check } = options;
  const budget: ByteBudget = { used: 0, limit: limits.bodyBytes };
  const query = { ...(request.query as Record<string, unknown>) };
  const signal = requestSignal(request);
  if (!request.isMultipart()) {
    const body = request.body as Readable | undefined;
    if (body === undefined || body === null) throw new ApiError('empty', 'the request has no body; send an audio file (raw body or multipart)');
    if (typeof (body as Readable).pipe !== 'function') {
      throw new ApiError('unsupported-media-type', `send the file as audio/*, application/octet-stream or multipart/form-data, not ${request.headers['content-type'] ?? 'no content type'}`);
    }
    const declared = Number(request.headers['content-length']);
    if (declared > limits.bodyBytes) throw tooLargeUpfront(limits.bodyBytes);
    const name = typeof query.name === 'string' ? query.name : 'upload';
    return { params: query, files: once({ name, bytes: uploadBytes(body, budget, signal) }) };
  }
  const parts = request.parts({
    limits: {
      // One byte over, so the budget (not a silently truncated file) reports the overflow.
      fileSize: limits.bodyBytes + 1,
      files: maxFiles,
      fields: limits.fields,
      fieldSize: limits.fieldBytes,
      headerPairs: limits.partHeaderPairs,
      parts: maxFiles + limits.fields,
    },
  })[Symbol.asyncIterator]();
  const fields: Record<string, unknown> = {};
  let first: MultipartFile | undefined;
  for (;;) {
    const next = await nextPart(parts, budget, signal);
    if (next.done) break;
    const part = next.value;
    if (part.type === 'file') {
      first = part;
      break;
    }
    addField(fields, part.fieldname, part.value, part.valueTruncated, limits.fieldBytes);
  }
  const params = { ...query, ...fields };
  check(params);
  if (!first) throw new ApiError('no-file', 'the form holds no file part; add the audio as a file field (e.g. curl -F file=@song.ogg)');
  const firstFile = first;
  const files = (async function* (): AsyncGenerator<Upload> {
    let part: Multipart | undefined = firstFile;
    while (part) {
      if (part.type === 'file') {
        yield { name: part.filename || part.fieldname, field: part.fieldname, bytes: uploadBytes(part.file, budget, signal, part.fieldname) };
        // A candidate that failed mid-way leaves bytes unread; the parser only moves on once they are.
        for await (const _ of uploadBytes(part.file, budget, signal, part.fieldname));
      } else {
        throw new ApiError('field-after-file', `form field "${part.fieldname}" comes after a file; send the fields first`, part.fieldname);
      }
      const next = await nextPart(parts, budget, signal);
      part = next.done ? undefined : next.value;
    }
  })();
  return { params, files };
}

async function* once(upload: Upload): AsyncGenerator<Upload> {
  yield upload;
}

function tooLargeUpfront(limit: number): ApiError {
  return new ApiError('too-large', `the upload is larger than the server's ${limit}-byte limit`, undefined, { connection: 'close' });
}

/**
 * The next part; framework errors keep their status (413 for limits), parser
 * errors become 400. The wait ends when the request's signal aborts: the
 * parser only ends on the end of the body, and a body shorter than its
 * Content-Length never ends (nor, once answered, does Node close it).
 */
async function nextPart(parts: AsyncIterator<Multipart>, budget: ByteBudget, signal: AbortSignal): Promise<IteratorResult<Multipart>> {
  try {
    const next = await Promise.race([parts.next(), abortion(signal)]);
    if (!next.done && next.value.type === 'field') budget.used += String(next.value.value ?? '').length;
    if (budget.used > budget.limit) throw tooLargeUpfront(budget.limit);
    return next;
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    if (error instanceof ApiError || typeof (error as { statusCode?: number }).statusCode === 'number') throw error;
    throw new ApiError('malformed-body', `the multipart body could not be read: ${(error as Error).message}`);
  }
}

/** Collects a form field; a repeated field becomes a list (`sounds_like`). */
function addField(fields: Record<string, unknown>, name: string, value: unknown, truncated: boolean, limit: number): void {
  if (truncated) throw new ApiError('too-large', `form field "${name}" is longer than the server's ${limit}-byte limit`, name);
  const existing = fields[name];
  fields[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
}
