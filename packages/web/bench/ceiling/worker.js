// The browser bench's ceiling: onnxruntime-web alone in a module worker, with
// none of Refractor's code (no decoding, features, CDM, progress or caching),
// running the CLAP graph the demo runs with the session options the demo uses.
// What the demo reaches per chunk is read against this, measured in the same run.
import * as ort from '/ort-dist/ort.wasm.min.mjs';

self.onmessage = async ({ data }) => {
  try {
    const { model, threads, runs, sessionOptions } = data;
    ort.env.wasm.wasmPaths = '/ort-dist/';
    ort.env.wasm.numThreads = threads;
    const bytes = new Uint8Array(await (await fetch(model)).arrayBuffer());
    const opened = performance.now();
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], ...sessionOptions });
    const openS = (performance.now() - opened) / 1000;
    // Any input costs the same kernels; a fixed one keeps runs alike.
    const features = new Float32Array(1001 * 64).map((_, i) => Math.sin(i * 0.37) * 3 - 5);
    const times = [];
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await session.run({ input_features: new ort.Tensor('float32', features, [1, 1, 1001, 64]) });
      times.push(performance.now() - start);
    }
    await session.release();
    self.postMessage({ openS, times });
  } catch (error) {
    self.postMessage({ error: String(error?.stack ?? error) });
  }
};
