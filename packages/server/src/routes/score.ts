import type { FastifyInstance } from 'fastify';
import { songReport, type Refractor, type ScoredSong, type SongReport } from '@refractor/node';
import type { ServerContext } from '../context.js';
import { openUpload } from '../decode-upload.js';
import { toApiError, type ErrorBody } from '../errors.js';
import { readRequestInput, type Upload } from '../request-input.js';
import { scoreParamsSchema, songOptions, type ScoreParams } from '../score-options.js';
import { paramsCheck, withSlot } from './handle.js';
import { requestSignal } from '../deadline.js';

/** A scored upload: the CLI's JSON record plus `color`, the color under the request's `color_rule`. */
export type ScoreResponse = SongReport & { color: string };

/** One entry of a batch response: ranked results first (by confidence, descending, stable), then failures. */
export interface BatchEntry {
  input: string;
  rank?: number;
  result?: ScoreResponse;
  error?: ErrorBody;
}

const UPLOAD_HELP =
  'Send the file as the raw body (Content-Type audio/*, or application/octet-stream) or as a multipart/form-data file part; ' +
  'options go in the query string or in form fields placed before the file.';

/** `POST /v1/score` and `POST /v1/score/batch`. */
export function scoreRoutes(app: FastifyInstance, context: ServerContext): void {
  const { limits, metrics } = context;
  const schema = scoreParamsSchema(limits);

  const scoreOne = async (refractor: Refractor, upload: Upload, params: ScoreParams, conceptEmbedding: Float32Array, signal: AbortSignal): Promise<ScoreResponse> => {
    const options = songOptions(params);
    const stream = await openUpload(upload, { maxSeconds: limits.audioSeconds, signal });
    const song: ScoredSong = await refractor.scoreFile(stream, { ...options, conceptEmbedding });
    metrics.chunks.inc({ endpoint: 'score' }, song.chunk_count);
    metrics.songs.inc({ endpoint: 'score' });
    return { ...songReport(upload.name, song), color: params.color_rule === 'probs' ? song.predicted_color_by_probs : song.predicted_color };
  };

  app.post(
    '/v1/score',
    { schema: { summary: 'Score one audio file', description: `${UPLOAD_HELP} Answers the same record as \`refractor score --format json\`, plus \`color\`.`, tags: ['score'], querystring: schema } },
    async (request, reply) =>
      withSlot(context, request, reply, async (refractor) => {
        const input = await readRequestInput(request, { limits, maxFiles: 1, check: paramsCheck(request, schema) });
        const params = input.params as ScoreParams;
        songOptions(params); // a bad target is a 400 before any decoding
        const conceptEmbedding = await refractor.prepareConcept(params.concept);
        let result: ScoreResponse | undefined;
        for await (const upload of input.files) {
          result = await scoreOne(refractor, upload, params, conceptEmbedding, requestSignal(request));
        }
        return result;
      }),
  );

  app.post(
    '/v1/score/batch',
    {
      schema: {
        summary: 'Score several candidates against one concept, ranked',
        description:
          `multipart/form-data: option fields first, then one file part per candidate (at most ${limits.candidates}). ` +
          'Results are ranked by confidence (descending, stable, 0-based `rank`) as `refractor score --rank`; a candidate that cannot be read gets an `error` instead and no rank.',
        tags: ['score'],
        querystring: schema,
      },
    },
    async (request, reply) =>
      withSlot(context, request, reply, async (refractor) => {
        if (!request.isMultipart()) {
          throw Object.assign(new Error(`send the candidates as multipart/form-data file parts, not ${request.headers['content-type'] ?? 'no content type'}`), {
            code: 'FST_INVALID_MULTIPART_CONTENT_TYPE',
          });
        }
        const input = await readRequestInput(request, { limits, maxFiles: limits.candidates, check: paramsCheck(request, schema) });
        const params = input.params as ScoreParams;
        songOptions(params);
        const conceptEmbedding = await refractor.prepareConcept(params.concept);
        const entries: BatchEntry[] = [];
        for await (const upload of input.files) {
          try {
            entries.push({ input: upload.name, result: await scoreOne(refractor, upload, params, conceptEmbedding, requestSignal(request)) });
          } catch (error) {
            const api = toApiError(error);
            // Limits on the whole request, aborts and our own failures end the request; a bad candidate does not.
            if (requestSignal(request).aborted || api.statusCode >= 500 || api.code === 'too-large' || api.code === 'malformed-body') throw error;
            entries.push({ input: upload.name, error: api.body() });
          }
        }
        return { results: rankEntries(entries) };
      }),
  );
}

/** Ranks successful entries by confidence (descending; Array.prototype.sort is stable), failures after them in arrival order. */
export function rankEntries(entries: BatchEntry[]): BatchEntry[] {
  const scored = entries.filter((entry) => entry.result).sort((a, b) => b.result!.confidence - a.result!.confidence);
  return [...scored.map((entry, rank) => ({ input: entry.input, rank, result: entry.result! })), ...entries.filter((entry) => !entry.result)];
}
