import { Command } from 'commander';
import { probeAudio, type AudioInfo } from '@refractor/audio';
import { openAudioFile } from '@refractor/audio/node';
import { chunkingOf, chunkingOptions, type ChunkingFlags } from '../options.js';
import type { CommandContext } from '../context.js';
import { expandInputs } from '@refractor/node/io';
import { truncationOf } from '../score/truncation.js';

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${seconds.toFixed(3)} s (${minutes}:${(seconds - minutes * 60).toFixed(1).padStart(4, '0')})`;
}

/** One `info --json` line: the snake_case keys of `score`'s records (`sample_rate`, `duration_s`, `chunk_count`). */
export interface InfoRecord {
  file: string;
  format: string;
  sample_rate: number;
  channels: number;
  frames: number;
  duration_s: number;
  chunk_count: number;
}

/** A probe as an `info --json` record (the library's `AudioInfo` is camelCase, its records are not). */
export function infoRecord(file: string, info: AudioInfo): InfoRecord {
  return {
    file,
    format: info.format,
    sample_rate: info.sampleRate,
    channels: info.channels,
    frames: info.frames,
    duration_s: info.durationS,
    chunk_count: info.chunkCount,
  };
}

/** `refractor info <audio…>`: format, rate, channels, duration and chunk count of each file. */
export function infoCommand(context: CommandContext): Command {
  const command = new Command('info')
    .description('show format, sample rate, channels, duration and chunk count of audio files; a cut-short Ogg file is reported as truncated')
    .argument('<audio...>', 'audio files (WAV, AIFF, MP3, FLAC, OGG Vorbis, Opus, M4A), directories (searched recursively) and glob patterns, as `score` takes them');
  for (const option of chunkingOptions()) command.addOption(option);
  return command
    .option('--json', 'print one JSON object per line instead of text', false)
    .action(async (files: string[], flags: ChunkingFlags & { json: boolean }) => {
      // The same expansion as `score`: a directory or pattern that yields nothing is a failure, named.
      for (const input of await expandInputs(files)) {
        if ('missing' in input) {
          context.fail(input.missing, input.reason);
          continue;
        }
        const { file } = input;
        await context.perInput(file, async () => {
          const info = await probeAudio(await openAudioFile(file), chunkingOf(flags));
          const cut = await truncationOf({ file });
          if (cut) context.err(`refractor: warning: ${file} is truncated: ${cut.reason}`);
          if (flags.json) {
            context.out(JSON.stringify({ ...infoRecord(file, info), ...(cut ? { truncated: true, truncation: cut.reason } : {}) }));
            return;
          }
          context.out(
            [
              `file:        ${file}`,
              `format:      ${info.format}`,
              `sample rate: ${info.sampleRate} Hz`,
              `channels:    ${info.channels}`,
              `duration:    ${formatDuration(info.durationS)}`,
              `chunks:      ${info.chunkCount} (${flags.chunkSize} s windows every ${flags.chunkStride} s, at 48 kHz)`,
              ...(cut ? [`truncated:   yes (${cut.reason})`] : []),
            ].join('\n'),
          );
        });
      }
    });
}
