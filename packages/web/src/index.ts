/** @refractor/web: Run the Refractor CDM in the browser with onnxruntime-web (WebGPU, WASM). (Not built yet.) */
export {};
