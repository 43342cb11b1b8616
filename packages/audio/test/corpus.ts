// The real corpus for tests: Debian's game soundtracks (../shared/corpus/install_corpus.sh installs them).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DecodedAudio } from '../src/decode.js';
import { decodeAudioFile } from '../src/node.js';

const corpusScript = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared', 'corpus', 'install_corpus.sh');

/** Tracks installed, without installing anything (the script installs only what is missing), or why there are none. */
export function corpusTracks(): { tracks: string[]; why?: string } {
  const packages = ['wesnoth-1.16-music', 'hyperrogue-music'];
  const installed = packages.every((p) => {
    try {
      execFileSync('dpkg', ['-s', p], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  });
  if (!existsSync(corpusScript)) return { tracks: [], why: `no corpus script at ${corpusScript}` };
  if (!installed) return { tracks: [], why: `${packages.join(' and ')} not installed (run ${corpusScript} once, as root)` };
  const tracks = execFileSync('bash', [corpusScript], { encoding: 'utf8' }).split('\n').filter(Boolean);
  return tracks.length ? { tracks } : { tracks, why: 'the corpus script listed no tracks' };
}

/**
 * A handful of tracks that cover the edge cases (shorter than a crop, exactly one crop, shorter
 * than one window, a full 4-minute song), or every track with REFRACTOR_CORPUS_ALL=1.
 */
export function edgeTracks(tracks: readonly string[]): string[] {
  if (process.env.REFRACTOR_CORPUS_ALL) return [...tracks];
  const EDGE_TRACKS = ['victory.ogg', 'defeat.ogg', 'silence.ogg', 'elf-land.ogg', 'sad.ogg', 'weight_of_revenge.ogg'];
  const named = tracks.filter((t) => EDGE_TRACKS.includes(basename(t)));
  return named.length ? named : [...tracks].sort((a, b) => statSync(a).size - statSync(b).size).slice(0, 4);
}

/** The edge-case tracks for a test file named `label`, warning once (with why) when there are none. */
export function chosenTracks(label: string): string[] {
  const corpus = corpusTracks();
  if (corpus.why) console.warn(`${label}: real-corpus tests skipped: ${corpus.why}`);
  return edgeTracks(corpus.tracks);
}

/**
 * A corpus track decoded, or null (with a warning) for the few files that are damaged in Debian's
 * package: they test nothing about the features.
 */
export async function decodeCorpusTrack(track: string, label: string): Promise<DecodedAudio | null> {
  try {
    return await decodeAudioFile(track);
  } catch (error) {
    console.warn(`${label}: ${track} does not decode (${(error as Error).message}); skipped`);
    return null;
  }
}
