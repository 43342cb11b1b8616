import { readFile } from 'node:fs/promises';
import {
  BASE_MODEL_HINT,
  scoreCandidateItems,
  type CandidateInput,
  type CandidateItem,
  type CandidateItemsOptions,
  type CandidateRuntime,
} from '@refractor/core';
import { decodeAudio, downmix, midiToPianoRoll, type CropOptions } from '@refractor/audio';

/** One candidate of `Refractor.scoreCandidates`: any of MIDI, audio (paths or bytes) and lyric text. */
export type Candidate = CandidateInput<string | Uint8Array>;

/** Options for `Refractor.scoreCandidates`: core's, plus where CLAP crops each audio clip. */
export interface CandidateScoreOptions extends CandidateItemsOptions, CropOptions {}


const bytesOf = async (source: string | Uint8Array): Promise<Uint8Array> => (typeof source === 'string' ? new Uint8Array(await readFile(source)) : source);

/**
 * A MIDI file (path or bytes) as the base model's piano roll: float32
 * `[128, 256]`, pitch-major. Bad files throw `MidiParseError` naming them.
 */
export async function prepareMidi(input: string | Uint8Array, name = typeof input === 'string' ? input : undefined): Promise<Float32Array> {
  return midiToPianoRoll(await bytesOf(input), name === undefined ? {} : { name });
}

/** What the Node candidate path needs from a loaded Refractor. */
export interface NodeCandidateModels extends Pick<CandidateRuntime<string | Uint8Array>, 'backend' | 'base' | 'cdm' | 'embedText'> {
  /** The CLAP embedding of a mono waveform's one 10 s crop (Refractor.prepareAudio). */
  prepareAudio(waveform: Float32Array, sampleRate: number, options: CropOptions): Promise<Float32Array>;
}

/** Scores candidates with core's `scoreCandidateItems`, reading paths or bytes from Node. */
export function scoreNodeCandidates(models: NodeCandidateModels, candidates: readonly Candidate[], options: CandidateScoreOptions = {}): Promise<CandidateItem[]> {
  const crop: CropOptions = { ...(options.crop ? { crop: options.crop } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) };
  return scoreCandidateItems(
    {
      ...models,
      baseModelHint: BASE_MODEL_HINT,
      pianoRoll: (source, name) => prepareMidi(source, name),
      async embedAudio(source, name) {
        const { channels, sampleRate } = await decodeAudio(await bytesOf(source), { name });
        return models.prepareAudio(downmix(channels), sampleRate, crop);
      },
    },
    candidates,
    options,
  );
}
