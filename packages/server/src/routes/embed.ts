import type { FastifyInstance } from 'fastify';
import { songFeatureSettings } from '@refractor/audio';
import { featureSettings } from '@refractor/node';
import type { ServerContext } from '../context.js';
import { openAudioUpload, sniffUpload } from '../decode-upload.js';
import { ApiError } from '../errors.js';
import { readRequestInput } from '../request-input.js';
import { pickParams, scoreParamsSchema, songOptions, type ScoreParams } from '../score-options.js';
import { paramsCheck, withSlot } from './handle.js';
import { requestSignal } from '../deadline.js';

/** `POST /v1/embed`: a file's per-chunk CLAP embeddings and/or a text's concept embedding, for clients that cache them. */
export function embedRoutes(app: FastifyInstance, context: ServerContext): void {
  const { limits, metrics } = context;
  const full = scoreParamsSchema(limits);
  const schema = pickParams(full, ['concept', 'crop', 'seed', 'chunk_size_s', 'chunk_stride_s', 'chunk_size', 'chunk_stride', 'name']);
  const jsonBody = { type: 'object', additionalProperties: false, required: ['concept'], properties: { concept: full.properties.concept } } as const;

  app.post(
    '/v1/embed',
    {
      schema: {
        summary: "CLAP embeddings of a file's chunks, and the concept embedding of a text",
        description:
          'Audio as in /v1/score (raw body or multipart) gives `chunks` (each with `start_s`, `end_s` and a 512-value `embedding`, windowed and cropped exactly as scoring does); ' +
          'a `concept` (query, form field, or a JSON body `{ "concept": "…" }` with no audio) adds `concept_embedding` (768 values).',
        tags: ['embed'],
        querystring: schema,
      },
    },
    async (request, reply) =>
      withSlot(context, request, reply, async (refractor) => {
        const check = paramsCheck(request, schema);
        const body = request.body;
        const isJson = body !== undefined && body !== null && typeof (body as { pipe?: unknown }).pipe !== 'function' && !request.isMultipart();
        if (isJson || (body === undefined && (request.query as ScoreParams).concept !== undefined)) {
          const json = isJson ? (body as Record<string, unknown>) : {};
          paramsCheck(request, jsonBody)({ concept: (request.query as ScoreParams).concept, ...json });
          const text = (json.concept as string | undefined) ?? (request.query as ScoreParams).concept!;
          return { concept_embedding: Array.from(await refractor.prepareConcept(text)) };
        }
        const input = await readRequestInput(request, { limits, maxFiles: 1, check });
        const params = input.params as ScoreParams;
        const options = songOptions(params);
        for await (const upload of input.files) {
          const stream = await openAudioUpload(await sniffUpload(upload), {
            maxSeconds: limits.audioSeconds,
            signal: requestSignal(request),
            midiHint: 'MIDI has no CLAP embedding: /v1/embed takes audio (score MIDI with /v1/score)',
          });
          const { embeddings, chunks } = await refractor.embedChunks(stream, options);
          const dim = chunks.length ? embeddings.length / chunks.length : 0;
          metrics.chunks.inc({ endpoint: 'embed' }, chunks.length);
          metrics.songs.inc({ endpoint: 'embed' });
          const settings = songFeatureSettings(options);
          return {
            file: upload.name,
            dim,
            chunks: chunks.map((chunk, i) => ({ start_s: chunk.start_s, end_s: chunk.end_s, embedding: Array.from(embeddings.subarray(i * dim, (i + 1) * dim)) })),
            ...(params.concept !== undefined ? { concept_embedding: Array.from(await refractor.prepareConcept(params.concept)) } : {}),
            settings: { models: refractor.modelSet.name, ...featureSettings(settings) },
          };
        }
        throw new ApiError('no-file', 'no audio was sent');
      }),
  );
}
