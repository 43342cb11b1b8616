/**
 * Every stable error code Refractor uses, at every door: the `code` of a
 * `RefractorError`, the `error.code` of a CLI or queue record, the
 * `error` of an HTTP error body. Finer detail (the decoder's `truncated`, an
 * errno, a model store code) goes in `reason`.
 */
export type RefractorErrorCode =
  // An input that cannot be used.
  | 'not-found' // no such file (retried by the queue: another machine may see it)
  | 'unreadable' // the file system refused
  | 'empty' // zero bytes
  | 'decode' // not audio we decode (`reason`: the decoder's code, e.g. `truncated`)
  | 'midi' // a MIDI file that does not parse
  | 'invalid-value' // a value breaks a documented precondition
  | 'unknown-color' // not one of the nine colors
  | 'invalid-input' // any other input a library call refused
  | 'candidates-file' // a candidates CSV/JSONL that cannot be read
  | 'dataset' // a labelled dataset that cannot be used
  | 'npz' // a .npy/.npz file this reader cannot handle
  | 'resume-file' // an output file that cannot be resumed from
  | 'resume-mismatch' // an earlier run was made with other settings
  | 'output-target' // an output path that cannot be written (a directory, a link loop, a missing folder)
  | 'content-changed' // a queued file's bytes changed since
  | 'too-large' // over a size limit
  | 'too-long' // audio longer than a limit
  | 'bad-url' // not an http(s) URL
  | 'http-status' // the URL answered 4xx (other than 408/429)
  | 'fetch-failed' // network, timeout, 5xx, 408, 429
  // Models and runtime.
  | 'models' // model files missing, not downloadable or not matching (`reason`: the store's code)
  | 'model-contract' // a model file's inputs/outputs do not fit its role
  | 'no-base-model' // the base model is needed and not loaded
  | 'device' // the device cannot be used
  | 'model-set-mismatch' // a worker's models differ from the queue's
  // Queue states.
  | 'stalled' // workers died on this job more often than allowed
  | 'missing-job' // a batch names a job Redis no longer holds
  | 'queue-unreachable' // the queue's Redis did not answer in time (down, or cut off by the network)
  // HTTP requests.
  | 'unsupported-media-type'
  | 'midi-unsupported'
  | 'bad-content-length'
  | 'invalid-json'
  | 'malformed-body'
  | 'bad-request'
  | 'method-not-allowed' // the path exists, the method does not
  | 'invalid-field'
  | 'field-too-long' // a parameter or field longer than the server takes
  | 'unknown-field'
  | 'no-file'
  | 'field-after-file'
  | 'concept-required'
  | 'too-many-parts'
  | 'too-many-files'
  | 'too-many-fields'
  | 'unauthorized'
  | 'busy'
  | 'client-closed'
  | 'not-ready'
  | 'models-unavailable'
  | 'shutting-down'
  | 'timeout'
  // Anything else: a bug or an environment failure, never bad input.
  | 'failed';

/** What one code means at each door. */
export interface ErrorDoors {
  /**
   * The CLI's exit status: 1 an input (or the run) failed, 2 a usage error,
   * 3 the queue's Redis could not be reached (nothing wrong with the
   * command: run it again when Redis answers).
   */
  exit: 1 | 2 | 3;
  /** The server's HTTP status. */
  http: number;
  /** The queue retries the job (with backoff) rather than failing it at once. */
  retry: boolean;
}

const input = (http: number): ErrorDoors => ({ exit: 1, http, retry: false });
const transient = (http: number): ErrorDoors => ({ exit: 1, http, retry: true });

/**
 * The one table: each code's CLI exit status, HTTP status and queue
 * decision. Bad input is permanent and a 4xx; a file another machine may
 * see, the network and unknown failures are retried; resuming with other settings exits 2 (a usage error); an unreachable queue exits 3 (try again later).
 */
export const ERROR_TABLE: Readonly<Record<RefractorErrorCode, ErrorDoors>> = Object.freeze({
  'not-found': transient(404),
  unreadable: transient(500),
  empty: input(400),
  decode: input(422),
  midi: input(422),
  'invalid-value': input(400),
  'unknown-color': input(400),
  'invalid-input': input(400),
  'candidates-file': input(400),
  dataset: input(400),
  npz: input(400),
  'resume-file': input(409),
  'resume-mismatch': { exit: 2, http: 409, retry: false },
  'output-target': input(500),
  'content-changed': input(409),
  'too-large': input(413),
  'too-long': input(413),
  'bad-url': input(400),
  'http-status': input(502),
  'fetch-failed': transient(502),
  models: input(503),
  'model-contract': input(500),
  'no-base-model': input(501),
  device: input(503),
  'model-set-mismatch': input(409),
  stalled: input(500),
  'missing-job': input(404),
  // Its own exit status, so that a script (or a cron job) can tell "try again later" from bad input.
  'queue-unreachable': { exit: 3, http: 503, retry: true },
  'unsupported-media-type': input(415),
  'midi-unsupported': input(415),
  'bad-content-length': input(400),
  'invalid-json': input(400),
  'malformed-body': input(400),
  'bad-request': input(400),
  'method-not-allowed': input(405),
  'invalid-field': input(400),
  'field-too-long': input(400),
  'unknown-field': input(400),
  'no-file': input(400),
  'field-after-file': input(400),
  'concept-required': input(400),
  'too-many-parts': input(413),
  'too-many-files': input(413),
  'too-many-fields': input(413),
  unauthorized: input(401),
  busy: transient(429),
  'client-closed': input(499),
  'not-ready': transient(503),
  'models-unavailable': transient(503),
  'shutting-down': transient(503),
  timeout: transient(503),
  failed: transient(500),
});

/** Whether a string is one of the {@link RefractorErrorCode}s (for codes read back from a store). */
export function isErrorCode(code: string): code is RefractorErrorCode {
  return Object.hasOwn(ERROR_TABLE, code);
}
