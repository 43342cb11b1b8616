/** @refractor/node: Run the Refractor CDM in Node with onnxruntime-node (CPU, CUDA). (Not built yet.) */
export {};
