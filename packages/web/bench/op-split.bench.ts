/**
 * Where onnxruntime-web's WASM kernel time goes, by operator (issue #24's
 * profile split, one level down from profile-split.bench.ts), in Node, on the
 * real-size CLAP fp32 graph (bench models).
 *
 * The graph is the one onnxruntime runs: onnxruntime-node optimizes it
 * (`extended`, the fusions both runtimes apply; no native-only layouts) and
 * profiles it, which gives every node's input shapes. Each node is then run
 * on its own, as a one-node model, by onnxruntime-web (WASM, 2 threads, the
 * demo's session options) and by onnxruntime-node (2 threads): weights are the
 * graph's own, shape tensors the values a real run computed (captured), float
 * inputs seeded noise. Nodes that are alike (operator, attributes, shapes)
 * are timed once and counted as often as they occur. Per operator it prints
 * both times, their ratio and the share of WASM time, then what the largest
 * share alone allows: the chunks/s WASM could reach if every other operator
 * were free.
 *
 * One-node runs each pay a run's fixed cost, so the sums exceed a whole run
 * (printed beside them, same run); the shares are what this bench is for.
 * Run by `pnpm bench`; skips without `pnpm bench:models --web`.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { it } from 'vitest';
import onnxProto from 'onnx-proto';
import type { onnx as OnnxNs } from 'onnx-proto';
import * as ort from 'onnxruntime-web';
import { WEB_SESSION_DEFAULTS } from '../src/backend.js';

const { onnx } = onnxProto;
const sets = process.env.REFRACTOR_BENCH_MODELS || join(homedir(), '.cache', 'refractor', 'bench-models');
const modelPath = join(sets, 'bench-clap/clap/onnx/audio_model.onnx');
/** The same graph and weights as one file, as the browser gets it. */
const singleFilePath = join(sets, 'bench-web/clap/onnx/audio_model.onnx');
const THREADS = 2;
const RUNS = Number(process.env.REFRACTOR_OPS_RUNS ?? 7);

type NativeOrt = typeof import('onnxruntime-node');
type ProfileEvent = { cat: string; name: string; ts: number; dur: number; args: { op_name: string; input_type_shape: Record<string, number[]>[]; output_type_shape: Record<string, number[]>[] } };
/** ONNX element type codes of the profile's type names. */
const ELEMENT: Record<string, number> = { float: 1, uint8: 2, int8: 3, int32: 6, int64: 7, bool: 9, float16: 10, double: 11 };
const typeName = (t: Record<string, number[]>) => Object.keys(t)[0]!;
const dims = (t: Record<string, number[]>) => Object.values(t)[0]!;
const tensorType = (t: Record<string, number[]>, withShape = true): OnnxNs.ITypeProto => ({
  tensorType: { elemType: ELEMENT[typeName(t)]!, ...(withShape ? { shape: { dim: dims(t).map((d) => ({ dimValue: d })) } } : {}) },
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The last profiled run's kernel events by node name. */
async function profileNodes(native: NativeOrt, dir: string, features: Float32Array): Promise<Map<string, ProfileEvent>> {
  const session = await native.InferenceSession.create(modelPath, { intraOpNumThreads: THREADS, graphOptimizationLevel: 'extended', enableProfiling: true, profileFilePrefix: join(dir, 'profile') });
  for (let i = 0; i < 3; i++) await session.run({ input_features: new native.Tensor('float32', features, [1, 1, 1001, 64]) });
  session.endProfiling();
  await session.release();
  const file = readdirSync(dir).find((f) => f.startsWith('profile') && f.endsWith('.json'))!;
  const events = JSON.parse(readFileSync(join(dir, file), 'utf8')) as ProfileEvent[];
  const lastRun = events.filter((e) => e.cat === 'Session' && e.name === 'model_run').at(-1)!;
  const byNode = new Map<string, ProfileEvent>();
  for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time') && e.ts >= lastRun.ts) byNode.set(e.name.slice(0, -'_kernel_time'.length), e);
  return byNode;
}

/** An initializer with its bytes inline (the optimized graph points into the original's external data file). */
function inlineTensor(t: OnnxNs.ITensorProto, data: Buffer): OnnxNs.TensorProto {
  const copy = onnx.TensorProto.create({ ...t, externalData: [], dataLocation: 0 });
  if (t.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    const kv = Object.fromEntries((t.externalData ?? []).map((e) => [e.key, e.value]));
    const offset = Number(kv.offset ?? 0);
    copy.rawData = data.subarray(offset, offset + Number(kv.length));
  }
  return copy;
}

it('op split: onnxruntime-web WASM vs onnxruntime-node per operator (real-size CLAP fp32)', async () => {
  if (!existsSync(modelPath) || !existsSync(singleFilePath)) {
    console.log('[ops] skipped: run `pnpm bench:models --web`');
    return;
  }
  const native = (await import('onnxruntime-node')) as NativeOrt;
  ort.env.wasm.numThreads = THREADS;
  ort.env.logLevel = 'error';
  const dir = mkdtempSync(join(tmpdir(), 'refractor-ops-'));
  try {
    const features = new Float32Array(1001 * 64).map((_, i) => Math.sin(i * 0.37) * 3 - 5);
    const profiled = await profileNodes(native, dir, features);
    const optimizedPath = join(dir, 'optimized.onnx');
    await (await native.InferenceSession.create(modelPath, { graphOptimizationLevel: 'extended', optimizedModelFilePath: optimizedPath })).release();
    const model = onnx.ModelProto.decode(readFileSync(optimizedPath));
    const data = readFileSync(join(dirname(modelPath), 'audio_model.onnx_data'));
    const initializers = new Map(model.graph!.initializer!.map((t) => [t.name!, inlineTensor(t, data)]));

    // Shape tensors (every non-float value) as a real run computes them: the graph with all of them as outputs.
    const types = new Map<string, Record<string, number[]>>();
    for (const node of model.graph!.node!) node.output!.forEach((o, i) => { const t = profiled.get(node.name!)?.args.output_type_shape[i]; if (t) types.set(o, t); });
    const capture = onnx.ModelProto.create({ ...model, graph: { ...model.graph, initializer: [...initializers.values()] } });
    for (const [name, t] of types) if (typeName(t) !== 'float') capture.graph!.output!.push(onnx.ValueInfoProto.create({ name, type: tensorType(t) }));
    const captureSession = await native.InferenceSession.create(onnx.ModelProto.encode(capture).finish(), { graphOptimizationLevel: 'disabled' });
    const captured = await captureSession.run({ input_features: new native.Tensor('float32', features, [1, 1, 1001, 64]) });
    await captureSession.release();

    // One-node models, alike nodes grouped.
    type Group = { op: string; count: number; bytes: Uint8Array; feeds: Record<string, number[]> };
    const groups = new Map<string, Group>();
    for (const node of model.graph!.node!) {
      const event = profiled.get(node.name!);
      if (!event) continue;
      const inputs: OnnxNs.IValueInfoProto[] = [];
      const constants: OnnxNs.ITensorProto[] = [];
      const feeds: Record<string, number[]> = {};
      const key: string[] = [];
      node.input!.forEach((name, i) => {
        if (!name) return void key.push('-');
        const init = initializers.get(name);
        const value = captured[name];
        if (init) {
          constants.push(init);
          key.push(`w${init.dataType}${JSON.stringify(init.dims)}${Number(init.rawData?.length ?? 0) <= 64 ? Buffer.from(init.rawData ?? []).toString('hex') : ''}`);
        } else if (value) {
          const bytes = value.type === 'bool' ? Uint8Array.from(value.data as unknown as boolean[], Number) : new Uint8Array((value.data as ArrayBufferView).buffer, (value.data as ArrayBufferView).byteOffset, (value.data as ArrayBufferView).byteLength);
          constants.push(onnx.TensorProto.create({ name, dims: value.dims as number[], dataType: ELEMENT[value.type === 'float32' ? 'float' : value.type]!, rawData: bytes }));
          key.push(`c${Array.from(value.data as ArrayLike<number | bigint>, String).join(',')}`);
        } else {
          const t = event.args.input_type_shape[i]!;
          inputs.push(onnx.ValueInfoProto.create({ name, type: tensorType(t) }));
          feeds[name] = dims(t);
          key.push(`x${JSON.stringify(dims(t))}`);
        }
      });
      if (Object.keys(feeds).length === 0) continue; // shape arithmetic only: folded or negligible
      const op = (node.domain ? `${node.domain}.` : '') + node.opType;
      const id = `${op} ${JSON.stringify(onnx.NodeProto.toObject(onnx.NodeProto.create({ attribute: node.attribute }), { longs: String, bytes: String }))} ${key.join(' ')}`;
      const group = groups.get(id);
      if (group) {
        group.count++;
        continue;
      }
      const outputs = node.output!.map((name, i) => onnx.ValueInfoProto.create({ name, type: tensorType(event.args.output_type_shape[i]!, false) }));
      const one = onnx.ModelProto.create({ irVersion: model.irVersion, opsetImport: model.opsetImport, graph: { name: 'one', node: [node], input: inputs, output: outputs, initializer: constants } });
      groups.set(id, { op, count: 1, bytes: onnx.ModelProto.encode(one).finish(), feeds });
    }

    // Seeded noise for float inputs (a fixed LCG: the same inputs every run).
    const noise = (n: number) => {
      const a = new Float32Array(n);
      let s = 1;
      for (let i = 0; i < n; i++) a[i] = ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
      return a;
    };
    /** Median ms of a session's runs after the first (warm-up). */
    const medianRunMs = async (runtime: typeof ort | NativeOrt, source: string | Uint8Array, options: object, feedShapes: Record<string, number[]>, runs: number) => {
      const session = await runtime.InferenceSession.create(source as never, options);
      const feeds = Object.fromEntries(Object.entries(feedShapes).map(([k, d]) => [k, new runtime.Tensor('float32', k === 'input_features' ? features : noise(d.reduce((a, b) => a * b, 1)), d)]));
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const start = performance.now();
        await session.run(feeds as never);
        times.push(performance.now() - start);
      }
      await session.release();
      return median(times.slice(1));
    };
    const time = (runtime: typeof ort | NativeOrt, bytes: Uint8Array, feedShapes: Record<string, number[]>, options: object) =>
      medianRunMs(runtime, bytes, { graphOptimizationLevel: 'disabled', ...options }, feedShapes, RUNS);
    const byOp = new Map<string, { nodes: number; native: number; wasm: number; wasmPrepacked: number }>();
    for (const g of groups.values()) {
      const wasm = await time(ort, g.bytes, g.feeds, { executionProviders: ['wasm'], ...WEB_SESSION_DEFAULTS });
      // The demo turns weight pre-packing off (memory); the bound below also takes it on, whichever is faster.
      const wasmPrepacked = g.op === 'MatMul' ? await time(ort, g.bytes, g.feeds, { executionProviders: ['wasm'], ...WEB_SESSION_DEFAULTS, extra: { session: { disable_prepacking: '0' } } }) : wasm;
      const nat = await time(native, g.bytes, g.feeds, { intraOpNumThreads: THREADS });
      const row = byOp.get(g.op) ?? { nodes: 0, native: 0, wasm: 0, wasmPrepacked: 0 };
      row.nodes += g.count;
      row.native += nat * g.count;
      row.wasm += wasm * g.count;
      row.wasmPrepacked += Math.min(wasm, wasmPrepacked) * g.count;
      byOp.set(g.op, row);
    }

    // The whole graph in both runtimes, same run, for scale.
    const whole = (runtime: typeof ort | NativeOrt, source: string | Uint8Array, options: object) =>
      medianRunMs(runtime, source, { graphOptimizationLevel: 'all', ...options }, { input_features: [1, 1, 1001, 64] }, 5);
    const wholeWasm = await whole(ort, new Uint8Array(readFileSync(singleFilePath)), { executionProviders: ['wasm'], ...WEB_SESSION_DEFAULTS });
    const wholeNative = await whole(native, modelPath, { intraOpNumThreads: THREADS });

    const rows = [...byOp].sort((a, b) => b[1].wasm - a[1].wasm);
    const total = rows.reduce((t, [, r]) => ({ native: t.native + r.native, wasm: t.wasm + r.wasm }), { native: 0, wasm: 0 });
    console.log(`[ops] ${groups.size} distinct nodes of ${rows.reduce((n, [, r]) => n + r.nodes, 0)} timed alone (shape-only nodes left out); ms per chunk, ${THREADS} threads each`);
    console.log(`[ops] ${'operator'.padEnd(26)} ${'nodes'.padStart(5)} ${'native'.padStart(8)} ${'wasm'.padStart(8)} ${'ratio'.padStart(6)} ${'of wasm'.padStart(8)}`);
    for (const [op, r] of rows.filter(([, r]) => r.wasm >= 0.005 * total.wasm))
      console.log(`[ops] ${op.padEnd(26)} ${String(r.nodes).padStart(5)} ${r.native.toFixed(1).padStart(8)} ${r.wasm.toFixed(1).padStart(8)} ${(r.wasm / r.native).toFixed(2).padStart(6)} ${((100 * r.wasm) / total.wasm).toFixed(1).padStart(7)}%`);
    console.log(`[ops] ${'sum of one-node runs'.padEnd(26)} ${''.padStart(5)} ${total.native.toFixed(1).padStart(8)} ${total.wasm.toFixed(1).padStart(8)} ${(total.wasm / total.native).toFixed(2).padStart(6)}`);
    console.log(`[ops] ${'whole graph, one run'.padEnd(26)} ${''.padStart(5)} ${wholeNative.toFixed(1).padStart(8)} ${wholeWasm.toFixed(1).padStart(8)} ${(wholeWasm / wholeNative).toFixed(2).padStart(6)}`);
    const matmul = byOp.get('MatMul')!;
    const inRun = (ms: number) => (ms / total.wasm) * wholeWasm;
    console.log(
      `[ops] MatMul alone: ${((100 * matmul.wasm) / total.wasm).toFixed(0)} % of WASM time, ~${inRun(matmul.wasm).toFixed(0)} ms of a ${wholeWasm.toFixed(0)} ms run ` +
        `(~${inRun(matmul.wasmPrepacked).toFixed(0)} ms with weights pre-packed where that is faster); with every other operator free, WASM would reach ` +
        `${(1000 / inRun(matmul.wasm)).toFixed(2)} chunks/s (${(1000 / inRun(matmul.wasmPrepacked)).toFixed(2)} pre-packed); the whole graph runs ${(1000 / wholeWasm).toFixed(2)}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 1_800_000);
