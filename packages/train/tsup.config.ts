import { defineConfig } from 'tsup';

export default defineConfig({
  // `index` is the trainer and the npz I/O; `onnx-graph` the ONNX-writing helpers
  // (also used by the tiny-model generator in models/scripts).
  entry: { index: 'src/index.ts', 'onnx-graph': 'src/onnx/graph.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
});
