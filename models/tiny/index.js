import { fileURLToPath } from 'node:url';

/** The directory holding the tiny set, laid out as a Refractor model directory (`refractor_cdm.onnx`, `clap/`, `text/`). */
export const TINY_MODELS_DIR = fileURLToPath(new URL('.', import.meta.url));
