'use strict';

/** The directory holding the tiny set, laid out as a Refractor model directory (`refractor_cdm.onnx`, `clap/`, `text/`). */
exports.TINY_MODELS_DIR = __dirname + require('node:path').sep;
