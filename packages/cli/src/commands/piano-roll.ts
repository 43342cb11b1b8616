import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { PIANO_ROLL, midiToPianoRoll } from '@refractor/audio';
import type { CommandContext } from '../context.js';
import { outName, outTargetHelp } from '../atomic.js';
import { NpyRowWriter } from '../npy.js';

/** `refractor piano-roll <file.mid> --out roll.npy`: the base model's MIDI input, as a NumPy array (the MIDI twin of `features`). */
export function pianoRollCommand(context: CommandContext): Command {
  return new Command('piano-roll')
    .description(
      "convert a MIDI file into the base Refractor model's piano roll and save it as a float32 .npy [128, 256] " +
        '(pitch × 100 ms step, velocity/127, the first 25.6 s; the original\'s semantics, quirks included)',
    )
    .argument('<file.mid>', 'a Standard MIDI File (type 0, 1 or 2; recognised by its content)')
    .requiredOption('-o, --out <file.npy>', outTargetHelp('where to write the array'))
    .action(async (file: string, flags: { out: string }) => {
      await context.perInput(file, async () => {
        const roll = midiToPianoRoll(new Uint8Array(await readFile(file)), { name: file });
        const writer = await NpyRowWriter.create(flags.out, [PIANO_ROLL.steps]);
        try {
          await writer.append(roll);
          await writer.finish();
        } catch (error) {
          await writer.abort();
          throw error;
        }
        let notes = 0;
        for (let p = 0; p < PIANO_ROLL.pitches; p++) if (roll.subarray(p * PIANO_ROLL.steps, (p + 1) * PIANO_ROLL.steps).some((v) => v > 0)) notes++;
        context.err(`wrote ${outName(flags.out)}: float32 [${PIANO_ROLL.pitches}, ${PIANO_ROLL.steps}] (${notes} pitch${notes === 1 ? '' : 'es'} sounding)`);
      });
    });
}
