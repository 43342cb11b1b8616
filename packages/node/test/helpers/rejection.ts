import { expect } from 'vitest';
import { ModelStoreError } from '../../src/index.js';

/** The ModelStoreError a promise rejects with, so a test can assert its fields. */
export async function rejection(promise: Promise<unknown>): Promise<ModelStoreError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ModelStoreError);
  return error as ModelStoreError;
}
