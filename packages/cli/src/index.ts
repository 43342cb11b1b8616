/**
 * @refractor/cli — the `refractor` command. Programmatic entry: {@link runCli}.
 *
 * @packageDocumentation
 */
export { EXIT, runCli, type CliIo } from './program.js';
export { NpyRowWriter, npyHeader } from './npy.js';
export { writeFileAtomic, temporaryPathFor, openOutputFile, resolveOutputTarget, OutputTargetError, type OutputFile, type OutputTarget } from './atomic.js';
export { openDurableLines, type DurableLines, type ExistingLines } from './output/durable-lines.js';
