import type { InferenceSession } from 'onnxruntime-common';
import type { InferenceBackend, ModelSource } from './backend.js';
import { RefractorError } from './errors.js';
import type { ModelContract, TensorContract } from './model-contracts.js';

/** A model file whose inputs or outputs do not match what its role needs. */
export class ModelContractError extends RefractorError {
  override readonly name = 'ModelContractError';
  constructor(
    /** The model file. */
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`${file}: ${problems.join('; ')}`, { code: 'model-contract' });
  }
}

function formatDims(dims: readonly (number | string)[]): string {
  return `[${dims.join(', ')}]`;
}

function checkTensor(
  kind: 'input' | 'output',
  contract: TensorContract,
  actual: InferenceSession.ValueMetadata | undefined,
  role: string,
): string | undefined {
  if (!actual) return contract.optional ? undefined : `${role} has no ${kind} '${contract.name}'`;
  if (!actual.isTensor) return `${role} ${kind} '${contract.name}' is not a tensor`;
  if (actual.type !== contract.type) return `${role} ${kind} '${contract.name}' is ${actual.type}; expected ${contract.type}`;
  // An empty shape means the file does not declare one: nothing to check statically.
  if (actual.shape.length === 0) return undefined;
  const mismatch =
    actual.shape.length !== contract.dims.length ||
    contract.dims.some((dim, i) => typeof dim === 'number' && typeof actual.shape[i] === 'number' && actual.shape[i] !== dim && actual.shape[i] !== -1);
  return mismatch
    ? `${role} ${kind} '${contract.name}' has dims ${formatDims(actual.shape)}; expected ${formatDims(contract.dims)}`
    : undefined;
}

/**
 * Checks a loaded session against its role's contract: every required input
 * and output present with the right element type and static dimensions, and
 * no input the scorer would not feed. Throws {@link ModelContractError}
 * naming the file and every mismatch.
 *
 * @example
 * ```ts
 * checkModelContract(session, MODEL_CONTRACTS.cdm, 'refractor_cdm.onnx');
 * ```
 */
export function checkModelContract(session: InferenceSession, contract: ModelContract, file: string): void {
  const inputs = new Map(session.inputMetadata.map((m) => [m.name, m]));
  const outputs = new Map(session.outputMetadata.map((m) => [m.name, m]));
  const problems = [
    ...contract.inputs.map((c) => checkTensor('input', c, inputs.get(c.name), contract.role)),
    ...contract.outputs.map((c) => checkTensor('output', c, outputs.get(c.name), contract.role)),
    ...[...inputs.keys()]
      .filter((name) => !contract.inputs.some((c) => c.name === name))
      .map((name) => `${contract.role} has an unexpected input '${name}' (it is fed only ${contract.inputs.map((c) => c.name).join(', ')})`),
    ...(contract.together ?? []).map((group) => {
      const present = group.filter((name) => inputs.has(name));
      return present.length === 0 || present.length === group.length
        ? undefined
        : `${contract.role} has input${present.length === 1 ? '' : 's'} ${present.map((n) => `'${n}'`).join(', ')} without ${group.filter((n) => !inputs.has(n)).map((n) => `'${n}'`).join(', ')} (they come together or not at all)`;
    }),
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length) throw new ModelContractError(file, problems);
}

/** Whether the session takes an optional input (e.g. token_type_ids). */
export function hasInput(session: InferenceSession, name: string): boolean {
  return session.inputNames.includes(name);
}

/**
 * Opens a model with a backend and checks it against its role's contract, so
 * a wrong file fails at load time with a message naming it.
 *
 * @example
 * ```ts
 * const cdm = await openCheckedSession(backend, 'refractor_cdm.onnx', MODEL_CONTRACTS.cdm);
 * ```
 */
export async function openCheckedSession(
  backend: Pick<InferenceBackend, 'createSession'>,
  model: ModelSource,
  contract: ModelContract,
  label = typeof model === 'string' ? model : 'model',
): Promise<InferenceSession> {
  const session = await backend.createSession(model);
  checkModelContract(session, contract, label);
  return session;
}
