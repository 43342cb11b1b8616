/**
 * @refractor/train — train the Refractor CDM in Node: NumPy `.npy`/`.npz`
 * reading and writing (the original training cache format), the card's
 * training recipe on onnxruntime-node, and ONNX export of a trained CDM.
 * Inference users never need it: `@refractor/node` scores songs without it.
 *
 * The ONNX-writing helpers are a separate entry: `@refractor/train/onnx-graph`.
 *
 * @packageDocumentation
 */
export * from './npz/index.js';
export * from './train/index.js';
