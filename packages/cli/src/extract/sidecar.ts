import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RefractorError } from '@refractor/core';
import { readEmbeddings, writeEmbeddings, type EmbeddingsFile } from '@refractor/train';
import { writeFileAtomic } from '../atomic.js';
import type { LabeledSong } from '@refractor/node/io';

/** What decides the numbers in a cache: a run may only resume a run with the same. */
export interface ExtractSettings {
  /** The dataset, as an absolute path. */
  dataset: string;
  /** The model set's name (an absolute directory for directory sets). */
  models: string;
  chunk_size_s: number;
  chunk_stride_s: number;
  crop: string;
  seed: number;
}

/** A finished song in the sidecar, with what it was computed from. */
interface DoneSong {
  file: string;
  audio: string;
  color: string;
  concept: string | null;
  chunks: number;
}

interface SidecarIndex {
  format: 'refractor-extract-partial';
  version: 1;
  settings: ExtractSettings;
  songs: Record<string, DoneSong>;
}

const INDEX = 'index.json';

/** An earlier interrupted run was made with other settings: resuming would mix incompatible rows. */
export class ResumeMismatchError extends RefractorError {
  override readonly name = 'ResumeMismatchError';
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, { ...options, code: 'resume-mismatch' });
  }
}

/** `<out>.partial`: where an extraction keeps finished songs until the final file is written. */
export function sidecarPathFor(out: string): string {
  return `${out}.partial`;
}

/** A file name for a song that is safe on any file system and unique per id. */
function songFileName(id: string): string {
  const safe = id.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 60);
  return `${safe}-${createHash('sha256').update(id).digest('hex').slice(0, 10)}.npz`;
}

function describeDifferences(saved: ExtractSettings, wanted: ExtractSettings): string {
  return (Object.keys(wanted) as (keyof ExtractSettings)[])
    .filter((key) => saved[key] !== wanted[key])
    .map((key) => `${key} ${JSON.stringify(saved[key])} there, ${JSON.stringify(wanted[key])} now`)
    .join('; ');
}

/**
 * The progress of an extraction, song by song, in a folder beside the output:
 * one small .npz per finished song (the cache format, so it is checked on
 * read) and an index with the settings. Each song is written before the index
 * names it, both atomically, so a run killed at any point leaves a sidecar
 * that the next run can trust.
 *
 * @example
 * ```ts
 * const sidecar = await ExtractSidecar.open('embeddings.npz', settings);
 * if (!sidecar.isDone(song)) await sidecar.save(song, rows);
 * const rows = await sidecar.read(song);
 * await sidecar.remove();
 * ```
 */
export class ExtractSidecar {
  private constructor(
    readonly path: string,
    private readonly index: SidecarIndex,
  ) {}

  /**
   * Opens the sidecar of `out`, creating it if needed. An existing one made
   * with other settings throws a {@link ResumeMismatchError} (unless
   * `restart`, which deletes it first).
   */
  static async open(out: string, settings: ExtractSettings, options: { restart?: boolean } = {}): Promise<ExtractSidecar> {
    const path = sidecarPathFor(out);
    if (options.restart) await rm(path, { recursive: true, force: true });
    const text = await readFile(join(path, INDEX), 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    let index: SidecarIndex = { format: 'refractor-extract-partial', version: 1, settings, songs: {} };
    if (text !== undefined) {
      let saved: SidecarIndex;
      try {
        saved = JSON.parse(text) as SidecarIndex;
      } catch {
        throw new ResumeMismatchError(`${join(path, INDEX)} is not valid JSON; delete ${path} or pass --restart to start over`);
      }
      if (saved.format !== index.format || saved.version !== 1) {
        throw new ResumeMismatchError(`${path} was not written by this version of refractor extract; delete it or pass --restart to start over`);
      }
      const differences = describeDifferences(saved.settings, settings);
      if (differences) {
        throw new ResumeMismatchError(
          `${path} holds an interrupted run with other settings (${differences}); ` +
            'resume with the same settings, or pass --restart to discard it and start over',
        );
      }
      index = saved;
    }
    await mkdir(path, { recursive: true });
    return new ExtractSidecar(path, index);
  }

  /** True when the song was finished with the same audio, color and concept it has now. */
  isDone(song: LabeledSong): boolean {
    const done = this.index.songs[song.id];
    return done !== undefined && done.audio === resolve(song.audio) && done.color === song.color && done.concept === song.concept;
  }

  /** Records a finished song's rows. */
  async save(song: LabeledSong, rows: EmbeddingsFile): Promise<void> {
    const file = songFileName(song.id);
    await writeFileAtomic(join(this.path, file), writeEmbeddings(rows));
    this.index.songs[song.id] = { file, audio: resolve(song.audio), color: song.color, concept: song.concept, chunks: rows.colors.length };
    await writeFileAtomic(join(this.path, INDEX), `${JSON.stringify(this.index, null, 1)}\n`);
  }

  /** A finished song's rows. */
  async read(song: LabeledSong): Promise<EmbeddingsFile> {
    const done = this.index.songs[song.id];
    if (!done) throw new Error(`${song.id} is not finished in ${this.path}`);
    const path = join(this.path, done.file);
    return readEmbeddings(await readFile(path), path);
  }

  /** Deletes the sidecar (after the final file is in place). */
  async remove(): Promise<void> {
    await rm(this.path, { recursive: true, force: true });
  }
}
