#!/usr/bin/env node
/**
 * Generates the tiny test model set: the real set's file names, configs and tensor
 * interfaces, with small seeded random weights. Predictions mean nothing.
 *
 *   node models/scripts/make-tiny-models.mjs                 # writes models/tiny/ and updates the bundled manifest
 *                                                            (packages/core/src/manifest/default-manifest.json)
 *   node models/scripts/make-tiny-models.mjs OUT_DIR         # writes OUT_DIR/, prints the manifest entries
 *   node models/scripts/make-tiny-models.mjs OUT_DIR --manifest PATH   # … and updates the tiny set in PATH
 *
 * Byte-for-byte reproducible: one fixed seed, a 32-bit integer PRNG (mulberry32) with a
 * separate stream per tensor, and only exactly-rounded arithmetic (+ − × ÷ √) on the way
 * to each float32, so any Node version on any platform writes the same bytes.
 *
 * Layout (MODEL_FILE_ROLES in @refractor/core):
 *   refractor_cdm.onnx                   input [batch,1280] → color_probs [batch,9]
 *   clap/config.json, clap/preprocessor_config.json
 *   clap/onnx/audio_model.onnx           input_features [batch,1,1001,64] → audio_embeds [batch,512]
 *   text/config.json, text/tokenizer.json, text/tokenizer_config.json
 *   text/onnx/model.onnx                 input_ids, attention_mask, token_type_ids [batch,sequence]
 *                                        → last_hidden_state [batch,sequence,768]
 *   refractor.onnx                       the base model (optional role `base`; see make-tiny-base-model.mjs)
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { attr, buildCdmModel, encodeModel, graph, model, node, tensor, valueInfo } from './onnx-graph.mjs';
import { makeTinyBaseModel } from './make-tiny-base-model.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const MODELS_DIR = resolve(HERE, '..');
/** The manifest @refractor/core bundles (node, web and cli read it from there). */
export const BUNDLED_MANIFEST_PATH = resolve(MODELS_DIR, '..', 'packages', 'core', 'src', 'manifest', 'default-manifest.json');
const SEED = 0x5eed_c0de;
const PRODUCER = { producerName: 'refractor make-tiny-models', producerVersion: '1' };
const TINY_DOC = 'Refractor tiny TEST model: seeded random weights with the real interface. Its outputs mean nothing.';

/* ------------------------------------------------------------------ randomness */

/** mulberry32: a 32-bit PRNG; returns uint32s. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** FNV-1a of a string: gives each tensor its own stream, so changing one leaves the others alone. */
function fnv1a(text) {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * `count` float32 values uniform in [-limit, limit) (std = limit/√3), from the stream named `name`.
 * @returns {Float32Array}
 */
function uniform(name, count, limit) {
  const next = mulberry32(SEED ^ fnv1a(name));
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = (next() / 4294967296) * 2 * limit - limit;
  return out;
}

/** Uniform with a given standard deviation. */
const withStd = (name, count, std) => uniform(name, count, std * Math.sqrt(3));

/* ------------------------------------------------------------------ CDM */

/**
 * Subtracts each row's mean (in place, float32): ReLU outputs are all ≥ 0, so without this
 * their common positive level would push every input towards the same class.
 */
function centerRows(weight, rows, cols) {
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < cols; c++) sum += weight[r * cols + c];
    const mean = sum / cols;
    for (let c = 0; c < cols; c++) weight[r * cols + c] = Math.fround(weight[r * cols + c] - mean);
  }
}

/**
 * Linear(1280→256) ReLU Linear(256→128) ReLU Linear(128→9) Softmax: 361,993 parameters.
 * The first layer's columns are scaled per half so that a unit-norm CLAP embedding (first
 * 512) and a typical tiny-DeBERTa mean-pooled concept embedding (last 768, norm ≈ 6) move the
 * hidden units about equally; later layers are Kaiming-uniform, the last one scaled so the
 * logits spread over a few units (the probabilities are clearly not uniform).
 */
function makeCdm() {
  const sizes = [1280, 256, 128, 9];
  const clapDim = 512;
  const conceptNorm = 6;
  const layers = [];
  for (let i = 0; i < 3; i++) {
    const inFeatures = sizes[i];
    const outFeatures = sizes[i + 1];
    const name = `net.${i * 3}`;
    let weight;
    if (i === 0) {
      weight = withStd(`${name}.weight`, outFeatures * inFeatures, 1);
      // Row-major [out, in]: column c belongs to the CLAP half when c < 512.
      for (let o = 0; o < outFeatures; o++) {
        for (let c = 0; c < inFeatures; c++) {
          const scale = c < clapDim ? 2 : 2 / conceptNorm;
          weight[o * inFeatures + c] = Math.fround(weight[o * inFeatures + c] * scale);
        }
      }
    } else {
      weight = withStd(`${name}.weight`, outFeatures * inFeatures, Math.sqrt(2 / inFeatures));
      centerRows(weight, outFeatures, inFeatures);
    }
    const bias = uniform(`${name}.bias`, outFeatures, 0.1);
    layers.push({ weight, bias, inFeatures, outFeatures });
  }
  return encodeModel(
    buildCdmModel(layers, {
      ...PRODUCER,
      docString: `${TINY_DOC} Same architecture and parameter count (361,993) as earthlyframes/refractor_cdm.`,
      metadata: { refractor_tiny: 'true' },
    }),
  );
}

/* ------------------------------------------------------------------ CLAP audio encoder */

const MEL_FRAMES = 1001;
const MEL_BINS = 64;
const AUDIO_EMBED = 512;

/**
 * input_features [batch,1,1001,64] (log-mel dB) → audio_embeds [batch,512], unit L2 norm.
 * Per mel band: mean and standard deviation over time (so both the spectrum and its
 * movement matter), shifted/scaled from dB into roughly [-2, 2], → MatMul [128,512] + bias
 * → Tanh → x / max(‖x‖₂, 1e-12) (as CLAP's F.normalize).
 */
function makeClap() {
  const f = (name, dims, values) => tensor(name, 'float32', dims, values);
  const i64 = (name, dims, values) => tensor(name, 'int64', dims, values);
  const features = 2 * MEL_BINS;
  const initializers = [
    f('mean_shift', [], [50]),
    f('mean_scale', [], [1 / 25]),
    f('std_shift', [], [-10]),
    f('std_scale', [], [1 / 10]),
    f('eps', [], [1e-12]),
    i64('flat_shape', [2], [0, MEL_BINS]),
    f('proj.weight', [features, AUDIO_EMBED], withStd('clap.proj.weight', features * AUDIO_EMBED, 1.5 / Math.sqrt(features))),
    f('proj.bias', [AUDIO_EMBED], uniform('clap.proj.bias', AUDIO_EMBED, 0.1)),
  ];
  const nodes = [
    // [b,1,1001,64] → mean over time, kept for the deviation: [b,1,1,64]
    node('ReduceMean', ['input_features'], ['band_mean4'], { axes: attr.ints([2]), keepdims: attr.int(1) }),
    node('Sub', ['input_features', 'band_mean4'], ['centered']),
    node('Mul', ['centered', 'centered'], ['centered_sq']),
    node('ReduceMean', ['centered_sq'], ['band_var4'], { axes: attr.ints([2]), keepdims: attr.int(1) }),
    node('Sqrt', ['band_var4'], ['band_std4']),
    // [b,1,1,64] → [b,64]
    node('Reshape', ['band_mean4', 'flat_shape'], ['band_mean']),
    node('Reshape', ['band_std4', 'flat_shape'], ['band_std']),
    node('Add', ['band_mean', 'mean_shift'], ['mean_shifted']),
    node('Mul', ['mean_shifted', 'mean_scale'], ['mean_z']),
    node('Add', ['band_std', 'std_shift'], ['std_shifted']),
    node('Mul', ['std_shifted', 'std_scale'], ['std_z']),
    node('Concat', ['mean_z', 'std_z'], ['summary'], { axis: attr.int(1) }),
    node('MatMul', ['summary', 'proj.weight'], ['projected']),
    node('Add', ['projected', 'proj.bias'], ['projected_biased']),
    node('Tanh', ['projected_biased'], ['hidden']),
    node('ReduceL2', ['hidden'], ['norm'], { axes: attr.ints([1]), keepdims: attr.int(1) }),
    node('Max', ['norm', 'eps'], ['norm_safe']),
    node('Div', ['hidden', 'norm_safe'], ['audio_embeds']),
  ];
  return encodeModel(
    model({
      graph: graph({
        name: 'tiny_clap_audio_encoder',
        nodes,
        inputs: [valueInfo('input_features', 'float32', ['batch', 1, MEL_FRAMES, MEL_BINS])],
        outputs: [valueInfo('audio_embeds', 'float32', ['batch', AUDIO_EMBED])],
        initializers,
      }),
      ...PRODUCER,
      docString: `${TINY_DOC} Interface of Xenova/larger_clap_music onnx/audio_model.onnx.`,
      metadata: { refractor_tiny: 'true' },
    }),
  );
}

const CLAP_CONFIG = {
  _name_or_path: 'refractor-test/tiny-clap',
  _comment: 'Tiny TEST model generated by models/scripts/make-tiny-models.mjs; its embeddings mean nothing. Real model: laion/larger_clap_music.',
  architectures: ['ClapModel'],
  model_type: 'clap',
  projection_dim: AUDIO_EMBED,
  projection_hidden_act: 'relu',
  logit_scale_init_value: 14.285714285714285,
  initializer_factor: 1.0,
  audio_config: {
    model_type: 'clap_audio_model',
    num_mel_bins: MEL_BINS,
    spec_size: 256,
    window_size: 8,
    patch_size: 4,
    patch_stride: [4, 4],
    patch_embeds_hidden_size: 16,
    hidden_size: 32,
    depths: [1],
    num_attention_heads: [1],
    enable_fusion: false,
    projection_dim: AUDIO_EMBED,
    projection_hidden_act: 'relu',
  },
  text_config: {
    model_type: 'clap_text_model',
    vocab_size: 64,
    hidden_size: 32,
    num_hidden_layers: 1,
    num_attention_heads: 1,
    intermediate_size: 64,
    max_position_embeddings: 64,
    projection_dim: AUDIO_EMBED,
  },
  torch_dtype: 'float32',
  transformers_version: '4.57.1',
};

/**
 * laion/larger_clap_music's preprocessor_config.json, content-identical (HF writes sorted
 * keys, two-space indent, `0.0` for padding_value); hand-written so the text is too.
 */
const CLAP_PREPROCESSOR_TEXT = `{
  "chunk_length_s": 10,
  "feature_extractor_type": "ClapFeatureExtractor",
  "feature_size": 64,
  "fft_window_size": 1024,
  "frequency_max": 14000,
  "frequency_min": 50,
  "hop_length": 480,
  "max_length_s": 10,
  "n_fft": 1024,
  "nb_frequency_bins": 513,
  "nb_max_frames": 1000,
  "nb_max_samples": 480000,
  "padding": "repeatpad",
  "padding_side": "right",
  "padding_value": 0.0,
  "processor_class": "ClapProcessor",
  "return_attention_mask": false,
  "sampling_rate": 48000,
  "top_db": null,
  "truncation": "rand_trunc"
}
`;

/* ------------------------------------------------------------------ tokenizer */

const SPECIALS = ['[PAD]', '[CLS]', '[SEP]', '[UNK]'];
const MASK = '[MASK]';
const WORD_START = '\u2581'; // ▁

/** Common English words (plus the concept vocabulary of this project), most frequent first. */
const WORDS = `the of and to a in is it you that he was for on are with as I his they be at one have this
from or had by not word but what some we can out other were all there when up use your how said an each she
which do their time if will way about many then them write would like so these her long make thing see him two
has look more day could go come did number sound no most people my over know water than call first who may down
side been now find any new work part take get place made live where after back little only round man year came
show every good me give our under name very through just form sentence great think say help low line differ turn
cause much mean before move right boy old too same tell does set three want air well also play small end put home
read hand port large spell add even land here must big high such follow act why ask men change went light kind off
need house picture try us again animal point mother world near build self earth father song music sing sang songs
love heart night dream dreams memory memories past present future forget forgetting forgotten remember known
imagined imagine person thing place color colour red orange yellow green blue indigo violet white black rainbow
sky sea sun moon star stars fire rain river road city home dark bright slow fast loud quiet soft lost found
time life death hope fear joy sad happy alone together story about into between without within against`
  .split(/\s+/)
  .filter(Boolean);

/** Capitalized sentence starts. */
const CAPITALIZED = ['The', 'A', 'An', 'I', 'It', 'In', 'This', 'That', 'We', 'You', 'He', 'She', 'They', 'My', 'Our', 'What', 'When', 'Where', 'Song', 'Music'];

/** Word pieces that continue a word (no ▁). */
const SUFFIXES = ['s', 'es', 'ed', 'ing', 'ting', 'er', 'ers', 'est', 'ly', 'tion', 'ness', 'ment', 'ful', 'less', 'able', 'al', 'ous', 'ive', 'ize', 'y', 'en', 'ion'];
const BIGRAMS = ['th', 'he', 'in', 'er', 'an', 're', 'on', 'at', 'en', 'nd', 'ti', 'es', 'or', 'te', 'of', 'ed', 'is', 'it', 'al', 'ar', 'st', 'to', 'nt', 'ng', 'se', 'ha', 'as', 'ou', 'io', 'le', 've', 'co', 'me', 'de', 'hi', 'ri', 'ro', 'ic', 'ne', 'ea', 'ra', 'ce'];
const LOWER = [...'abcdefghijklmnopqrstuvwxyz'];
const UPPER = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const DIGITS = [...'0123456789'];
const PUNCTUATION = [...'.,!?\'"-:;()&/\u2019\u2014\u2013'];
/** A few accented letters common in song titles and names (after NFKC). */
const ACCENTED = [...'\u00e9\u00e8\u00ea\u00e0\u00e1\u00e2\u00e7\u00f1\u00f6\u00fc\u00ef\u00ed\u00f3\u00fa\u00e4\u00c9'];

/**
 * The Unigram vocabulary: [piece, log-probability score], in id order. Specials first with
 * score 0 (as DeBERTa-v3's converted tokenizer.json), then pieces with decreasing scores so
 * whole words beat their spellings. Every ASCII letter, digit and the common punctuation
 * have a piece, so English text never maps to [UNK]. [MASK] is not a piece: as in
 * DeBERTa-v3 it is an added token with the id after the last piece.
 */
function unigramVocab() {
  const pieces = new Map();
  const add = (piece, score) => {
    if (!pieces.has(piece)) pieces.set(piece, score);
  };
  for (const s of SPECIALS) add(s, 0);
  add(WORD_START, -3);
  PUNCTUATION.forEach((p, i) => add(p, -4 - i / 100));
  WORDS.forEach((w, i) => add(WORD_START + w, -5 - i / 100));
  CAPITALIZED.forEach((w, i) => add(WORD_START + w, -6 - i / 100));
  SUFFIXES.forEach((w, i) => add(w, -7 - i / 100));
  BIGRAMS.forEach((w, i) => add(w, -8 - i / 100));
  [...LOWER, ...UPPER].forEach((c, i) => add(WORD_START + c, -9 - i / 100));
  [...LOWER, ...DIGITS, ...UPPER, ...ACCENTED].forEach((c, i) => add(c, -10 - i / 100));
  return [...pieces.entries()].map(([piece, score]) => [piece, Math.round(score * 1e4) / 1e4]);
}

const VOCAB = unigramVocab();
const MASK_ID = VOCAB.length;
/** Embedding rows = every id the tokenizer can emit (pieces + [MASK]). */
const VOCAB_SIZE = VOCAB.length + 1;

function addedToken(id, content) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/**
 * tokenizer.json in the `tokenizers` (Rust, ≥ 0.19) format, shaped like the one transformers'
 * DebertaV2Converter writes for microsoft/deberta-v3-base (do_lower_case false,
 * split_by_punct false). One difference: DeBERTa-v3's normalizer has a `Precompiled`
 * step (sentencepiece's compiled nmt_nfkc rules, a binary blob we cannot produce); here it
 * is spelled out as the equivalent explicit steps tokenizers.js uses to emulate it:
 * drop control characters, map Unicode spaces to ' ', NFKC.
 */
function tokenizerJson() {
  const metaspace = { type: 'Metaspace', replacement: WORD_START, prepend_scheme: 'always', split: true };
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...SPECIALS.map((s, id) => addedToken(id, s)), addedToken(MASK_ID, MASK)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Strip', strip_left: true, strip_right: true },
        { type: 'Replace', pattern: { Regex: '[\u0001-\u0008\u000B\u000E-\u001F\u007F\u008F\u009F]' }, content: '' },
        {
          type: 'Replace',
          pattern: { Regex: '[\u0009\u000A\u000C\u000D\u00A0\u1680\u2000-\u200F\u2028\u2029\u202F\u205F\u2581\u3000\uFEFF\uFFFD]' },
          content: ' ',
        },
        { type: 'NFKC' },
        { type: 'Replace', pattern: { Regex: ' {2,}' }, content: ' ' },
      ],
    },
    pre_tokenizer: { type: 'Sequence', pretokenizers: [metaspace] },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: '[CLS]', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '[SEP]', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: '[CLS]', type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: '[SEP]', type_id: 0 } },
        { Sequence: { id: 'B', type_id: 1 } },
        { SpecialToken: { id: '[SEP]', type_id: 1 } },
      ],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [1], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [2], tokens: ['[SEP]'] },
      },
    },
    decoder: metaspace,
    model: { type: 'Unigram', unk_id: 3, vocab: VOCAB, byte_fallback: false },
  };
}

function tokenizerConfigJson() {
  const decoder = {};
  for (const [id, content] of [...SPECIALS.map((s, i) => [i, s]), [MASK_ID, MASK]]) {
    decoder[String(id)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  }
  return {
    _comment: 'Tiny TEST tokenizer generated by models/scripts/make-tiny-models.mjs (a few hundred English pieces). Real one: microsoft/deberta-v3-base.',
    added_tokens_decoder: decoder,
    bos_token: '[CLS]',
    clean_up_tokenization_spaces: false,
    cls_token: '[CLS]',
    do_lower_case: false,
    eos_token: '[SEP]',
    mask_token: '[MASK]',
    model_max_length: 512,
    pad_token: '[PAD]',
    sep_token: '[SEP]',
    sp_model_kwargs: {},
    split_by_punct: false,
    tokenizer_class: 'DebertaV2Tokenizer',
    unk_token: '[UNK]',
    vocab_type: 'spm',
  };
}

/* ------------------------------------------------------------------ text encoder */

const HIDDEN = 768;
const MAX_POSITIONS = 512;
const TYPE_VOCAB = 2;

function textConfigJson() {
  return {
    _name_or_path: 'refractor-test/tiny-deberta',
    _comment: 'Tiny TEST model generated by models/scripts/make-tiny-models.mjs: embeddings only, no attention layers; its outputs mean nothing. Real model: microsoft/deberta-v3-base.',
    architectures: ['DebertaV2Model'],
    model_type: 'deberta-v2',
    hidden_size: HIDDEN,
    vocab_size: VOCAB_SIZE,
    max_position_embeddings: MAX_POSITIONS,
    type_vocab_size: TYPE_VOCAB,
    position_biased_input: true,
    relative_attention: false,
    num_hidden_layers: 0,
    num_attention_heads: 12,
    intermediate_size: 3072,
    hidden_act: 'gelu',
    hidden_dropout_prob: 0.1,
    attention_probs_dropout_prob: 0.1,
    initializer_range: 0.02,
    layer_norm_eps: 1e-7,
    pad_token_id: 0,
    torch_dtype: 'float32',
    transformers_version: '4.57.1',
  };
}

/**
 * input_ids, attention_mask, token_type_ids int64 [batch,sequence] → last_hidden_state
 * float32 [batch,sequence,768]:
 *   h = Tanh(word[input_ids] + position[0..sequence) + type[token_type_ids] + 0.5·context)
 * where context = the attention-masked mean of the sequence's word embeddings (so every
 * token sees the whole text, and padding changes nothing for the real tokens). Sequences
 * longer than 512 fail (Gather out of range), as positions past the table do.
 */
function makeText() {
  const f = (name, dims, values) => tensor(name, 'float32', dims, values);
  const i64 = (name, dims, values) => tensor(name, 'int64', dims, values);
  const initializers = [
    f('embeddings.word_embeddings.weight', [VOCAB_SIZE, HIDDEN], withStd('text.word', VOCAB_SIZE * HIDDEN, 0.6)),
    f('embeddings.position_embeddings.weight', [MAX_POSITIONS, HIDDEN], withStd('text.position', MAX_POSITIONS * HIDDEN, 0.1)),
    f('embeddings.token_type_embeddings.weight', [TYPE_VOCAB, HIDDEN], withStd('text.type', TYPE_VOCAB * HIDDEN, 0.05)),
    i64('axis_sequence', [1], [1]),
    i64('axis_hidden', [1], [2]),
    i64('index_sequence', [], [1]),
    i64('zero', [], [0]),
    i64('one', [], [1]),
    f('min_count', [], [1]),
    f('context_scale', [], [0.5]),
  ];
  const nodes = [
    node('Gather', ['embeddings.word_embeddings.weight', 'input_ids'], ['word'], { axis: attr.int(0) }),
    // positions 0..sequence-1
    node('Shape', ['input_ids'], ['ids_shape']),
    node('Gather', ['ids_shape', 'index_sequence'], ['sequence_length'], { axis: attr.int(0) }),
    node('Range', ['zero', 'sequence_length', 'one'], ['positions']),
    node('Gather', ['embeddings.position_embeddings.weight', 'positions'], ['position'], { axis: attr.int(0) }),
    node('Gather', ['embeddings.token_type_embeddings.weight', 'token_type_ids'], ['token_type'], { axis: attr.int(0) }),
    // masked mean of the word embeddings: [b,1,768]
    node('Cast', ['attention_mask'], ['mask_float'], { to: attr.int(1) }),
    node('Unsqueeze', ['mask_float', 'axis_hidden'], ['mask3']),
    node('Mul', ['word', 'mask3'], ['word_masked']),
    node('ReduceSum', ['word_masked', 'axis_sequence'], ['word_sum'], { keepdims: attr.int(1) }),
    node('ReduceSum', ['mask3', 'axis_sequence'], ['token_count'], { keepdims: attr.int(1) }),
    node('Max', ['token_count', 'min_count'], ['token_count_safe']),
    node('Div', ['word_sum', 'token_count_safe'], ['context']),
    node('Mul', ['context', 'context_scale'], ['context_scaled']),
    node('Add', ['word', 'position'], ['sum1']),
    node('Add', ['sum1', 'token_type'], ['sum2']),
    node('Add', ['sum2', 'context_scaled'], ['sum3']),
    node('Tanh', ['sum3'], ['last_hidden_state']),
  ];
  const ids = (name) => valueInfo(name, 'int64', ['batch', 'sequence']);
  return encodeModel(
    model({
      graph: graph({
        name: 'tiny_deberta_v2',
        nodes,
        inputs: [ids('input_ids'), ids('attention_mask'), ids('token_type_ids')],
        outputs: [valueInfo('last_hidden_state', 'float32', ['batch', 'sequence', HIDDEN])],
        initializers,
      }),
      ...PRODUCER,
      docString: `${TINY_DOC} Interface of a DeBERTa-v3-base ONNX export (last_hidden_state).`,
      metadata: { refractor_tiny: 'true' },
    }),
  );
}

/* ------------------------------------------------------------------ base model */

/**
 * The tiny base model (`refractor.onnx`) from this generator's seeded streams.
 * `{ soundsLike: false }` gives an older export without the sounds-like pair (for tests).
 * @param {{ soundsLike?: boolean }} [options]
 */
export function tinyBaseModel(options = {}) {
  return makeTinyBaseModel(
    { uniform, withStd },
    { ...options, producer: PRODUCER, docString: `${TINY_DOC} Interface of the base Refractor model (refractor.onnx), narrower inside.` },
  );
}

/* ------------------------------------------------------------------ the set */

const json = (value) => `${JSON.stringify(value, null, 2)}\n`;

/** Every file of the tiny set: local path (MODEL_FILE_ROLES) → bytes. */
export function tinyModelFiles() {
  return {
    cdm: ['refractor_cdm.onnx', makeCdm()],
    'clap.config': ['clap/config.json', json(CLAP_CONFIG)],
    'clap.preprocessor': ['clap/preprocessor_config.json', CLAP_PREPROCESSOR_TEXT],
    'clap.model': ['clap/onnx/audio_model.onnx', makeClap()],
    'text.config': ['text/config.json', json(textConfigJson())],
    'text.tokenizer': ['text/tokenizer.json', json(tokenizerJson())],
    'text.tokenizer_config': ['text/tokenizer_config.json', json(tokenizerConfigJson())],
    'text.model': ['text/onnx/model.onnx', makeText()],
    base: ['refractor.onnx', tinyBaseModel()],
  };
}

/** Where each file lives in the tiny set's (pretend) hub repositories. */
export const TINY_SOURCES = Object.freeze({
  cdm: { repo: 'refractor-test/tiny-cdm', path: 'refractor_cdm.onnx' },
  'clap.config': { repo: 'refractor-test/tiny-clap', path: 'config.json' },
  'clap.preprocessor': { repo: 'refractor-test/tiny-clap', path: 'preprocessor_config.json' },
  'clap.model': { repo: 'refractor-test/tiny-clap', path: 'onnx/audio_model.onnx' },
  'text.config': { repo: 'refractor-test/tiny-deberta', path: 'config.json' },
  'text.tokenizer': { repo: 'refractor-test/tiny-deberta', path: 'tokenizer.json' },
  'text.tokenizer_config': { repo: 'refractor-test/tiny-deberta', path: 'tokenizer_config.json' },
  'text.model': { repo: 'refractor-test/tiny-deberta', path: 'onnx/model.onnx' },
  base: { repo: 'refractor-test/tiny-refractor', path: 'refractor.onnx' },
});

const TINY_DESCRIPTION =
  'Tiny TEST set generated by models/scripts/make-tiny-models.mjs: the real files\' names, configs and tensor interfaces with seeded random weights (about 5 MB). Its predictions mean nothing; use it for tests and offline demos only.';

/** Writes the set into `outDir`; returns the manifest entries (role → source with size, sha256). */
export function writeTinyModels(outDir) {
  const entries = {};
  for (const [role, [localPath, content]] of Object.entries(tinyModelFiles())) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content);
    const target = join(outDir, localPath);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, bytes);
    entries[role] = {
      ...TINY_SOURCES[role],
      revision: 'main',
      size: bytes.length,
      sha256: createHash('sha256').update(bytes).digest('hex'),
    };
  }
  // Key order repo, revision, path, size, sha256 (as in the manifest).
  for (const role of Object.keys(entries)) {
    const { repo, revision, path, size, sha256 } = entries[role];
    entries[role] = { repo, revision, path, size, sha256 };
  }
  return entries;
}

/** Replaces the tiny set in the manifest at `manifestPath` (creating it if needed), keeping everything else. */
export function updateManifest(manifestPath, entries) {
  const manifest = existsSync(manifestPath) ? JSON.parse(readFileSync(manifestPath, 'utf8')) : { version: 1, sets: {} };
  manifest.sets ??= {};
  manifest.sets.tiny = { description: TINY_DESCRIPTION, testOnly: true, files: entries };
  writeFileSync(manifestPath, json(manifest));
}

function main(argv) {
  const args = [...argv];
  let manifestPath;
  const flag = args.indexOf('--manifest');
  if (flag !== -1) {
    manifestPath = args[flag + 1];
    if (!manifestPath) throw new Error('--manifest needs a path');
    args.splice(flag, 2);
  }
  if (args.length > 1 || args.some((a) => a.startsWith('--'))) {
    throw new Error('usage: node models/scripts/make-tiny-models.mjs [OUT_DIR] [--manifest PATH]');
  }
  const outDir = args.length ? resolve(args[0]) : join(MODELS_DIR, 'tiny');
  if (!args.length && manifestPath === undefined) manifestPath = BUNDLED_MANIFEST_PATH;
  const entries = writeTinyModels(outDir);
  const total = Object.values(entries).reduce((sum, e) => sum + e.size, 0);
  if (manifestPath) {
    updateManifest(resolve(manifestPath), entries);
    process.stderr.write(`wrote ${outDir} (${total} bytes) and the tiny set of ${resolve(manifestPath)}\n`);
  } else {
    process.stderr.write(`wrote ${outDir} (${total} bytes); manifest entries on stdout\n`);
    process.stdout.write(json(entries));
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
