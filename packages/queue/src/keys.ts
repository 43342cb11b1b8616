/** Redis keys of our own beside BullMQ's (`bull:<queue>:…`): batches and the queue's model set. */
const ROOT = 'refractor';

export function queueKeys(queue: string) {
  return { batches: `${ROOT}:${queue}:batches` };
}

export function batchKeys(queue: string, batch: string) {
  return { meta: `${ROOT}:${queue}:batch:${batch}`, items: `${ROOT}:${queue}:batch:${batch}:items` };
}

/** The model set the queue's workers use: the first worker sets it, the others must match. */
export function modelsKey(queue: string): string {
  return `${ROOT}:${queue}:models`;
}
