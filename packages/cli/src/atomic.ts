import { resolveOutputTarget, type OutputTarget } from '@refractor/node';

// One implementation for the CLI and the library (the concept cache writes the same way).
export { openOutputFile, OutputTargetError, resolveOutputTarget, temporaryPathFor, writeFileAtomic, type OutputFile, type OutputTarget } from '@refractor/node';

/** How a target reads in a message: "- (stdout)", "/dev/null (a character device)". */
export function describeTarget(path: string, target: OutputTarget): string {
  if (target.kind === 'stdout') return path === '-' ? '- (stdout)' : `${path} (stdout)`;
  if (target.kind === 'special') return `${path} (${target.description})`;
  return path;
}

/**
 * Why `--out` cannot be `path` for a command that writes more than one file
 * (extract keeps `<out>.partial/` beside the .npz, train writes
 * `<model>.report.json` beside the model), or undefined when it can: such
 * commands need a real file name, since `-` or a device has no "beside".
 *
 * @example
 * ```ts
 * fileOnlyOutputProblem('-', 'its progress in <out>.partial/ beside it');
 * // '--out - (stdout): needs a file (or a link to one), since it also writes its progress in <out>.partial/ beside it'
 * ```
 */
export function fileOnlyOutputProblem(path: string, besideIt: string): string | undefined {
  let target: OutputTarget;
  try {
    target = resolveOutputTarget(path);
  } catch (error) {
    return `--out: ${(error as Error).message}`;
  }
  if (target.kind === 'regular') return undefined;
  return `--out ${describeTarget(path, target)}: needs a file (or a link to one), since it also writes ${besideIt}; write a file, then cat it`;
}

/**
 * The --help words for an `--out` that takes any target, after `what` ("the array").
 *
 * @example
 * ```ts
 * new Command('features').requiredOption('-o, --out <file.npy>', outTargetHelp('where to write the array'));
 * ```
 */
export function outTargetHelp(what: string): string {
  return `${what}: a file (written beside its target and renamed into place; a link is kept and its target replaced), - for stdout, or a device or FIFO (written in place)`;
}

/** How `--out` reads in a "wrote …" note: `stdout` for `-`, else the name given. */
export const outName = (out: string): string => (out === '-' ? 'stdout' : out);
