import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scoreSong, type FeatureChunk, type RefractorScorer } from '../src/index.js';

/** A feature stream that records whether it was closed. */
function stream(count: number) {
  const state = { closed: false, pulled: 0 };
  async function* chunks(): AsyncGenerator<FeatureChunk> {
    try {
      for (let i = 0; i < count; i++) {
        state.pulled++;
        yield { start_s: i * 5, end_s: i * 5 + 30, features: new Float32Array(1) };
      }
    } finally {
      state.closed = true;
    }
  }
  return { chunks: chunks(), state };
}

const settings = { models: 'fake', testOnly: true, features: { chunkSizeS: 30, chunkStrideS: 5, crop: 'start', seed: 0 }, backend: { device: 'cpu', name: 'fake' } };

describe('scoreSong', () => {
  it('closes the feature stream and rejects with the cause when the scorer fails to open while the concept is embedded', async () => {
    const { chunks, state } = stream(3);
    let rejectScorer!: (error: Error) => void;
    const scorer = new Promise<RefractorScorer>((_, reject) => (rejectScorer = reject));
    const run = scoreSong({
      scorer,
      chunks,
      prepareConcept: async () => {
        rejectScorer(new Error('CLAP failed to open'));
        await new Promise((resolve) => setTimeout(resolve, 10)); // the rejection happens before anyone awaits the scorer
        return new Float32Array(768);
      },
      settings,
    });
    await expect(run).rejects.toThrow('CLAP failed to open');
    // Closed: nothing more is ever decoded (a stream already running, as Node's prefetch is, runs its finally).
    expect((await chunks.next()).done).toBe(true);
    expect(state.pulled).toBe(0);
  });

  it('closes the feature stream when the concept cannot be embedded, and reports each chunk as it arrives', async () => {
    const failing = stream(2);
    await expect(
      scoreSong({ scorer: Promise.reject(new Error('unused')), chunks: failing.chunks, prepareConcept: async () => Promise.reject(new Error('no text encoder')), settings }, { concept: 'x' }),
    ).rejects.toThrow('no text encoder');
    expect((await failing.chunks.next()).done).toBe(true);

    // A stream already running when scoring fails is stopped, its finally run.
    const running = stream(5);
    await running.chunks.next();
    await expect(
      scoreSong({ scorer: Promise.reject(new Error('CLAP failed to open')), chunks: running.chunks, prepareConcept: async () => new Float32Array(768), settings }),
    ).rejects.toThrow('CLAP failed to open');
    expect(running.state).toEqual({ closed: true, pulled: 1 });

    const { chunks } = stream(3);
    const seen: string[] = [];
    const fake = {
      batchSize: 2,
      async scoreChunks(source: AsyncIterable<FeatureChunk>, concept: ArrayLike<number>, options: { target?: string }) {
        for await (const chunk of source) seen.push(`scored ${chunk.start_s}`);
        return { concept: concept.length, target: options.target ?? null } as never;
      },
    } as unknown as RefractorScorer;
    const song = await scoreSong(
      { scorer: fake, chunks, prepareConcept: async () => new Float32Array(768), settings },
      { target: '', onChunk: (done, span) => seen.push(`ready ${done} at ${span.start_s}`) },
    );
    expect(seen).toEqual(['ready 1 at 0', 'scored 0', 'ready 2 at 5', 'scored 5', 'ready 3 at 10', 'scored 10']);
    expect(song).toMatchObject({ concept: 768, target: null, settings: { models: 'fake', test_only: true, device: 'cpu', batch_size: 2, chunk_stride_s: 5, concept_sha256: null, target: null } });
  });

  it("records the concept's digest and the target in settings, so the record names what it was scored against", async () => {
    const fake = {
      batchSize: 1,
      async scoreChunks(source: AsyncIterable<FeatureChunk>) {
        for await (const _ of source) void _;
        return { target_color: 'Indigo' } as never;
      },
    } as unknown as RefractorScorer;
    const song = await scoreSong(
      { scorer: fake, chunks: stream(1).chunks, prepareConcept: async () => new Float32Array(768), settings },
      { concept: 'rain', conceptEmbedding: new Float32Array(768), target: 'i' },
    );
    expect(song.settings.concept_sha256).toBe(createHash('sha256').update('rain').digest('hex'));
    expect(song.settings.target).toBe('Indigo');
  });
});
