/**
 * Re-export of `@refractor/train/onnx-graph` (the ONNX-writing helpers now live in @refractor/train),
 * so the generators here keep importing `./onnx-graph.mjs`.
 */
export * from '@refractor/train/onnx-graph';
