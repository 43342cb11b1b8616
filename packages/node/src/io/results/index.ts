// Result sinks: per-input records streamed as JSON Lines, CSV, a table, or whole JSON/YAML documents, with durable resume.
export { mapInOrder } from './ordered.js';
export { OUTPUT_FORMATS, STREAMED_FORMATS, isErrorRecord, recordEncoder, type EncoderOptions, type OutputFormat, type OutputRecord, type RecordEncoder, type RecordError } from './formats.js';
export { openDurableLines, type DurableLines, type ExistingLines } from './durable-lines.js';
export { ResumeFileError, openResultSink, type ResultSink, type SinkOptions } from './sink.js';
export { fingerprint, resumeKey, type InputFingerprint } from './resume-key.js';
export { recordsByKey, type ResumeFields } from './resume-plan.js';
