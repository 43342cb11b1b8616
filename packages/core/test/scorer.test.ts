import { Tensor, type InferenceSession } from 'onnxruntime-common';
import { describe, expect, it } from 'vitest';
import { CLAP_INPUT_SIZE, RefractorError, RefractorScorer, type ConceptTokenizer, type FeatureChunk } from '../src/index.js';

/** Stand-in sessions implementing onnxruntime-common's `run` with simple, hand-checkable math. */
function fakeSession(inputNames: string[], run: (feeds: Record<string, Tensor>) => Record<string, Tensor>): InferenceSession & { calls: number[] } {
  const calls: number[] = [];
  return {
    inputNames,
    calls,
    async run(feeds: Record<string, Tensor>) {
      calls.push(Number(Object.values(feeds)[0]!.dims[0]));
      return run(feeds);
    },
  } as unknown as InferenceSession & { calls: number[] };
}

/** CLAP stand-in: embedding[k] = mean of the chunk's features, times (k + 1) / 512. */
const clap = () =>
  fakeSession(['input_features'], (feeds) => {
    const x = feeds.input_features!;
    const batch = x.dims[0]!;
    const out = new Float32Array(batch * 512);
    for (let b = 0; b < batch; b++) {
      let sum = 0;
      for (let i = 0; i < CLAP_INPUT_SIZE; i++) sum += (x.data as Float32Array)[b * CLAP_INPUT_SIZE + i]!;
      for (let k = 0; k < 512; k++) out[b * 512 + k] = ((sum / CLAP_INPUT_SIZE) * (k + 1)) / 512;
    }
    return { audio_embeds: new Tensor('float32', out, [batch, 512]) };
  });

/** CDM stand-in: softmax of [first audio value, first concept value, 0, …]. */
const cdm = () =>
  fakeSession(['input'], (feeds) => {
    const x = feeds.input!.data as Float32Array;
    const batch = feeds.input!.dims[0]!;
    const out = new Float32Array(batch * 9);
    for (let b = 0; b < batch; b++) {
      const logits = [x[b * 1280]! * 8, x[b * 1280 + 512]! * 8, 0, 0, 0, 0, 0, 0, 0];
      const exps = logits.map(Math.exp);
      const total = exps.reduce((a, e) => a + e, 0);
      exps.forEach((e, k) => (out[b * 9 + k] = e / total));
    }
    return { color_probs: new Tensor('float32', out, [batch, 9]) };
  });

/** Text stand-in: hidden state of token t, dim d = id_t + d / 1000. */
const text = () =>
  fakeSession(['input_ids', 'attention_mask'], (feeds) => {
    const ids = feeds.input_ids!.data as BigInt64Array;
    const out = new Float32Array(ids.length * 768);
    ids.forEach((id, t) => {
      for (let d = 0; d < 768; d++) out[t * 768 + d] = Number(id) + d / 1000;
    });
    return { last_hidden_state: new Tensor('float32', out, [1, ids.length, 768]) };
  });

const tokenizer: ConceptTokenizer = {
  encode: (value: string) => {
    const ids = [1, ...value.split(' ').map((w) => w.length), 2];
    return { ids, attentionMask: ids.map((_, i) => (i === ids.length - 1 ? 0 : 1)) }; // mask the last token to test masking
  },
};

function chunk(level: number, start: number): FeatureChunk {
  return { features: new Float32Array(CLAP_INPUT_SIZE).fill(level), start_s: start, end_s: start + 30 };
}

describe('RefractorScorer', () => {
  it('mean-pools the concept over the attention mask (hand-computed)', async () => {
    const scorer = new RefractorScorer({ Tensor }, { clap: clap(), cdm: cdm(), text: text(), tokenizer });
    const pooled = await scorer.prepareConcept('ab cdef');
    // tokens [1, 2, 4, 2] with the last masked: mean of ids 1, 2, 4 = 7/3, plus d/1000
    expect(pooled[0]).toBeCloseTo(7 / 3, 5);
    expect(pooled[767]).toBeCloseTo(7 / 3 + 0.767, 5);
  });

  it('gives zeros for no concept, and needs the encoder for text', async () => {
    const scorer = new RefractorScorer({ Tensor }, { clap: clap(), cdm: cdm() });
    expect(Array.from(await scorer.prepareConcept(''))).toEqual(new Array(768).fill(0));
    expect(Array.from(await scorer.prepareConcept('   '))).toEqual(new Array(768).fill(0));
    expect(Array.from(await scorer.prepareConcept(null))).toEqual(new Array(768).fill(0));
    await expect(scorer.prepareConcept('words')).rejects.toThrow(RefractorError);
  });

  it('batches CLAP and gives the same song whatever the batch size', async () => {
    const chunks = [0.1, -0.2, 0.3, 0.05, -0.4].map((level, i) => chunk(level, i * 5));
    const concept = new Float32Array(768).fill(0.01);
    const clapBy3 = clap();
    const by3 = await new RefractorScorer({ Tensor }, { clap: clapBy3, cdm: cdm() }, { batchSize: 3 }).scoreChunks(chunks, concept, { target: 'Red' });
    const clapBy1 = clap();
    const by1 = await new RefractorScorer({ Tensor }, { clap: clapBy1, cdm: cdm() }, { batchSize: 1 }).scoreChunks(chunks, concept, { target: 'Red' });
    expect(clapBy3.calls).toEqual([3, 2]);
    expect(clapBy1.calls).toEqual([1, 1, 1, 1, 1]);
    expect(by3).toEqual(by1);
    expect(by3.chunk_count).toBe(5);
    expect(by3.chunks.map((c) => c.start_s)).toEqual([0, 5, 10, 15, 20]);
    // chunk 0: audio[0] = 0.1 / 512, concept[0] = 0.01 → softmax of [0.1/64, 0.08, 0, …]: Orange wins
    expect(by3.chunks[0]!.predicted_color).toBe('Orange');
    expect(by3.drift).toBeDefined();
  });

  it('scores one embedding pair like the seed API', async () => {
    const scorer = new RefractorScorer({ Tensor }, { clap: clap(), cdm: cdm() });
    const audio = new Float32Array(512);
    audio[0] = 1;
    const result = await scorer.score({ audioEmbedding: audio, conceptEmbedding: new Float32Array(768) });
    expect(result.predicted_color).toBe('Red');
    expect(result.confidence).toBeCloseTo(Math.exp(8) / (Math.exp(8) + 8), 6);
    await expect(scorer.score({ audioEmbedding: new Float32Array(511), conceptEmbedding: new Float32Array(768) })).rejects.toThrow(/audioEmbedding/);
  });

  it('rejects features of the wrong size and a bad batch size', async () => {
    const scorer = new RefractorScorer({ Tensor }, { clap: clap(), cdm: cdm() });
    await expect(scorer.scoreChunks([{ features: new Float32Array(10), start_s: 0, end_s: 30 }], new Float32Array(768))).rejects.toThrow(
      /chunk features is "10 values"; expected 64064/,
    );
    expect(() => new RefractorScorer({ Tensor }, { clap: clap(), cdm: cdm() }, { batchSize: 0 })).toThrow(/batchSize is 0/);
  });
});
