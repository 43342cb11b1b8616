import type { FastifyInstance } from 'fastify';
import { songRecord, type Candidate, type CandidateReport, type Refractor, type ScoredSong, type SongRecord } from '@refractor/node';
import { songSettingsDigest } from '@refractor/node/io';
import { fingerprintBytes } from '../fingerprint-upload.js';
import { serverCandidateSettings, checkCandidates, reportOf, scoreCandidateList } from '../candidates.js';
import type { ServerContext } from '../context.js';
import { requestSignal } from '../deadline.js';
import { checkAudioBytes, openAudioUpload, readAll, sniffUpload, type SniffedUpload } from '../decode-upload.js';
import { ApiError, toApiError, type ErrorBody } from '../errors.js';
import { readRequestInput } from '../request-input.js';
import { pickParams, scoreParamsSchema, songOptions, type ScoreParams } from '../score-options.js';
import { paramsCheck, withSlot } from './handle.js';

/** A scored audio upload: the song record of `refractor score --format jsonl` (`color` and `predicted_color` under the request's `color_rule`). */
export type ScoreResponse = SongRecord;

/** One entry of a batch response: ranked results first (by confidence, descending, stable), then failures. */
export interface BatchEntry {
  input: string;
  rank?: number;
  result?: CandidateReport;
  error?: ErrorBody;
}

const UPLOAD_HELP =
  'Send the file as the raw body (Content-Type audio/*, audio/midi or application/octet-stream) or as a multipart/form-data file part; ' +
  'options go in the query string or in form fields placed before the file. The format is recognised from the bytes.';

/** `POST /v1/score` and `POST /v1/score/batch`. */
export function scoreRoutes(app: FastifyInstance, context: ServerContext): void {
  const { limits, metrics } = context;
  const schema = scoreParamsSchema(limits);
  const batchSchema = pickParams(schema, ['concept', 'lyric', 'sounds_like', 'crop', 'seed', 'targets']);

  const scoreAudio = async (refractor: Refractor, upload: SniffedUpload, params: ScoreParams, signal: AbortSignal): Promise<ScoreResponse> => {
    const options = songOptions(params);
    const hashed = fingerprintBytes(upload.bytes);
    const stream = await openAudioUpload({ ...upload, bytes: hashed.bytes }, { maxSeconds: limits.audioSeconds, signal, midiHint: '' });
    const conceptEmbedding = await refractor.prepareConcept(params.concept);
    const song: ScoredSong = await refractor.scoreFile(stream, { ...options, concept: params.concept ?? null, conceptEmbedding });
    metrics.chunks.inc({ endpoint: 'score' }, song.chunk_count);
    metrics.songs.inc({ endpoint: 'score' });
    // The record `refractor score --format jsonl` and a queue batch give too, byte for byte.
    const settingsDigest = songSettingsDigest({ ...song.settings, concept: params.concept, target: song.target_color });
    return songRecord(upload.name, song, { input: await hashed.fingerprint(), settingsDigest });
  };

  const scoreMidi = async (refractor: Refractor, upload: SniffedUpload, params: ScoreParams): Promise<CandidateReport> => {
    const candidate: Candidate = { id: upload.name, midi: await readAll(upload), ...(params.lyric ? { lyric: params.lyric } : {}) };
    checkCandidates(refractor, [candidate], params.concept);
    const [item] = await scoreCandidateList(refractor, [candidate], params, false);
    if (item!.error) throw item!.error;
    metrics.songs.inc({ endpoint: 'score' });
    return reportOf(item!, serverCandidateSettings(refractor, params));
  };

  app.post(
    '/v1/score',
    {
      schema: {
        summary: 'Score one audio or MIDI file',
        description:
          `${UPLOAD_HELP} Audio answers the record of \`refractor score --format json\` plus \`color\`; ` +
          'MIDI (and its `lyric`, `sounds_like`) goes to the base model and answers the candidate record of `refractor score song.mid --format json`.',
        tags: ['score'],
        querystring: schema,
      },
    },
    async (request, reply) =>
      withSlot(context, request, reply, async (refractor) => {
        const input = await readRequestInput(request, { limits, maxFiles: 1, check: paramsCheck(request, schema) });
        const params = input.params as ScoreParams;
        songOptions(params); // a bad target is a 400 before any decoding
        let result: ScoreResponse | CandidateReport | undefined;
        for await (const raw of input.files) {
          const upload = await sniffUpload(raw);
          result = upload.midi ? await scoreMidi(refractor, upload, params) : await scoreAudio(refractor, upload, params, requestSignal(request));
        }
        return result;
      }),
  );

  app.post(
    '/v1/score/batch',
    {
      schema: {
        summary: 'Score several candidates against one concept, ranked (the evolutionary use)',
        description:
          `multipart/form-data: option fields first, then one file part per candidate (MIDI or audio, at most ${limits.candidates}). ` +
          'Each is scored as `refractor score --rank` does (MIDI by the base model; audio alone by the CDM on one 10 s crop, as the original). ' +
          'Results are ranked by confidence (descending, stable, 0-based `rank`); a candidate that cannot be used gets an `error` instead and no rank.',
        tags: ['score'],
        querystring: batchSchema,
      },
    },
    async (request, reply) => {
      if (!request.isMultipart()) {
        // Checked before taking a slot: nothing of this body will be read.
        throw new ApiError('unsupported-media-type',
          `/v1/score/batch takes only multipart/form-data (option fields first, then one file part per candidate), not ${request.headers['content-type'] ?? 'a body without a content type'}; send a single raw file to /v1/score`,
        );
      }
      return withSlot(context, request, reply, async (refractor) => {
        const signal = requestSignal(request);
        const input = await readRequestInput(request, { limits, maxFiles: limits.candidates, check: paramsCheck(request, batchSchema) });
        const params = input.params as ScoreParams;
        const candidates: Candidate[] = [];
        const refused: BatchEntry[] = [];
        const lyric = params.lyric ? { lyric: params.lyric } : {};
        for await (const raw of input.files) {
          const upload = await sniffUpload(raw);
          const bytes = await readAll(upload);
          if (upload.midi) {
            candidates.push({ id: upload.name, midi: bytes, ...lyric });
            continue;
          }
          try {
            await checkAudioBytes(upload, bytes, { maxSeconds: limits.audioSeconds, signal });
            candidates.push({ id: upload.name, audio: bytes, ...lyric });
          } catch (error) {
            if (signal.aborted) throw error;
            refused.push({ input: upload.name, error: toApiError(error).body() });
          }
        }
        checkCandidates(refractor, candidates, params.concept);
        const items = candidates.length ? await scoreCandidateList(refractor, candidates, params, true) : [];
        const settings = serverCandidateSettings(refractor, params);
        metrics.songs.inc({ endpoint: 'batch' }, items.filter((item) => !item.error).length);
        const results: BatchEntry[] = items.map((item) =>
          item.error ? { input: item.input, error: toApiError(item.error).body() } : { input: item.input, rank: item.rank!, result: reportOf(item, settings) },
        );
        return { results: [...results, ...refused] };
      });
    },
  );
}
