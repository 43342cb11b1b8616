import * as ort from 'onnxruntime-node';

/**
 * The smallest ONNX model onnxruntime accepts: `y = Abs(x)`, x a float32
 * tensor of shape [1], opset 13. Creating a session on it with an execution
 * provider initializes that provider (for WebGPU: asks Dawn for an adapter;
 * for CUDA: loads the provider library and the CUDA runtime) without reading
 * any model file, so it answers "can this device be used here?" in tens of
 * milliseconds.
 *
 * Written by hand in protobuf's wire format (field numbers from onnx.proto)
 * because the package has no protobuf writer and the graph never changes.
 */
export function probeModelBytes(): Uint8Array {
  const bytes: number[] = [];
  const varint = (value: number, out: number[]) => {
    while (value > 0x7f) {
      out.push((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.push(value);
  };
  /** A length-delimited field (wire type 2): strings and sub-messages. */
  const field = (number: number, payload: number[] | string): number[] => {
    const data = typeof payload === 'string' ? [...new TextEncoder().encode(payload)] : payload;
    const out: number[] = [];
    varint((number << 3) | 2, out);
    varint(data.length, out);
    return [...out, ...data];
  };
  /** A varint field (wire type 0). */
  const int = (number: number, value: number): number[] => {
    const out: number[] = [];
    varint(number << 3, out);
    varint(value, out);
    return out;
  };
  // ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type: FLOAT, shape: {dim: [{dim_value: 1}]}}}}
  const valueInfo = (name: string) => [...field(1, name), ...field(2, field(1, [...int(1, 1), ...field(2, field(1, int(1, 1)))]))];
  // NodeProto{input: x, output: y, op_type: Abs}
  const node = [...field(1, 'x'), ...field(2, 'y'), ...field(4, 'Abs')];
  // GraphProto{node, name, input, output}
  const graph = [...field(1, node), ...field(2, 'probe'), ...field(11, valueInfo('x')), ...field(12, valueInfo('y'))];
  // ModelProto{ir_version: 7, graph, opset_import: [{domain: '', version: 13}]}
  bytes.push(...int(1, 7), ...field(7, graph), ...field(8, int(2, 13)));
  return Uint8Array.from(bytes);
}

/** What a probe found: the device works, or the error its provider gave. */
export type ProbeResult = { available: true } | { available: false; error: Error };

const probes = new Map<string, Promise<ProbeResult>>();

/**
 * Whether onnxruntime-node can open a session with `provider` in this
 * process: a session on {@link probeModelBytes}, made once per provider and
 * cached for the life of the process. Caching is not only thrift: after a
 * failed WebGPU initialization, onnxruntime keeps failing in the same process
 * even if the environment is fixed, so asking again could not change the
 * answer.
 *
 * @example
 * ```ts
 * const webgpu = await probeExecutionProvider('webgpu');
 * if (!webgpu.available) console.error(webgpu.error.message);
 * ```
 */
export function probeExecutionProvider(provider: 'webgpu' | 'cuda'): Promise<ProbeResult> {
  let probe = probes.get(provider);
  if (!probe) {
    probe = ort.InferenceSession.create(probeModelBytes(), { executionProviders: [provider], logSeverityLevel: 3 }).then(
      async (session): Promise<ProbeResult> => {
        await session.release();
        return { available: true };
      },
      (error: unknown): ProbeResult => ({ available: false, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    probes.set(provider, probe);
  }
  return probe;
}
