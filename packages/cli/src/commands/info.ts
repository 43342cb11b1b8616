import { Command } from 'commander';
import { probeAudio } from '@refractor/audio';
import { openAudioFile } from '@refractor/audio/node';
import { chunkingOptions, type ChunkingFlags } from '../options.js';
import type { CommandContext } from '../context.js';

function formatDuration(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  return `${seconds.toFixed(3)} s (${minutes}:${(seconds - minutes * 60).toFixed(1).padStart(4, '0')})`;
}

/** `refractor info <audio…>`: format, rate, channels, duration and chunk count of each file. */
export function infoCommand(context: CommandContext): Command {
  const command = new Command('info')
    .description('show format, sample rate, channels, duration and chunk count of audio files')
    .argument('<audio...>', 'audio files (WAV, AIFF, MP3, FLAC, OGG Vorbis, Opus, M4A)');
  for (const option of chunkingOptions()) command.addOption(option);
  return command
    .option('--json', 'print one JSON object per line instead of text', false)
    .action(async (files: string[], flags: ChunkingFlags & { json: boolean }) => {
      for (const file of files) {
        await context.perInput(file, async () => {
          const info = await probeAudio(await openAudioFile(file), { chunkSizeS: flags.chunkSize, chunkStrideS: flags.chunkStride });
          if (flags.json) {
            context.out(JSON.stringify({ file, ...info }));
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
            ].join('\n'),
          );
        });
      }
    });
}
