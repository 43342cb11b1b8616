/**
 * The directory holding the tiny set, laid out as a Refractor model directory
 * (`refractor_cdm.onnx`, `clap/`, `text/`), ending with a path separator.
 *
 * @example
 * ```ts
 * import { TINY_MODELS_DIR } from '@refractor/tiny-models';
 * const refractor = await Refractor.load({ models: TINY_MODELS_DIR }); // the same as models: 'tiny'
 * ```
 */
export declare const TINY_MODELS_DIR: string;
