import type { InferenceSession } from 'onnxruntime-web';
import { splitModelStream, type AnyModelFileRole, type StreamSplitModel, type StreamSplitOptions } from '@refractor/core';
import type { WebBackend } from './backend.js';
import { readOnceExternalData } from './external-data.js';
import { openModelStream, type FetchModelOptions } from './models.js';

/** A model file to read as a stream: its role (for messages), where it is, and how to fetch it. */
export interface StreamedModelFile {
  role: AnyModelFileRole;
  url: string;
  options: FetchModelOptions;
}

/**
 * Reads a model file (Cache Storage or network, see `openModelStream`) into
 * a small graph and one buffer per weight (core's `splitModelStream`): the
 * whole file is never in memory at once.
 */
async function readSplitModel(file: StreamedModelFile, split: StreamSplitOptions = {}): Promise<StreamSplitModel> {
  const stream = await openModelStream(file.role, file.url, file.options);
  return splitModelStream(stream.chunks, split);
}

/** How {@link openStreamedSession} reads and opens a model. */
export interface StreamedSessionOptions {
  /** How the file is split (e.g. the text encoder's `keepRows`). */
  split?: StreamSplitOptions;
  /** Session options for this model, beside the backend's. */
  sessionOptions?: InferenceSession.SessionOptions;
  /** Called when the bytes are in and the session is about to be created. */
  onOpening?: () => void;
}

/**
 * Reads a model as a small graph plus one buffer per weight and opens it,
 * each weight's buffer freed as soon as onnxruntime-web has copied it into
 * its heap (`readOnceExternalData`): the tab holds the weights about once
 * while the session is created, instead of twice. The text encoder opens this
 * way: in Chromium, the cold concept visit's peak while DeBERTa's session is
 * created fell from 1.85 to 1.62 GB (RSS summed over Chromium's processes).
 * CLAP does not: its peak comes while scoring, and one buffer per weight left
 * ~85 MB more resident then than one buffer for the file (measured in the
 * same runs), so it keeps the whole-file path.
 *
 * onnxruntime goes back to a weight it has read only when it folds constants
 * from it (DeBERTa with graph optimizations on does; the text encoder opens
 * with them off, and no graph we ship does otherwise). Then the file is read
 * again and opened with every buffer kept until the session exists.
 *
 * @example
 * ```ts
 * const { session } = await openStreamedSession(backend, { role: 'text.model', url, options: {} }, { sessionOptions: TEXT_SESSION_OPTIONS });
 * ```
 */
export async function openStreamedSession(
  backend: WebBackend,
  file: StreamedModelFile,
  options: StreamedSessionOptions = {},
): Promise<{ session: InferenceSession; rows?: Int32Array }> {
  let model = await readSplitModel(file, options.split);
  for (const release of [true, false]) {
    options.onOpening?.();
    const external = readOnceExternalData(model.externalData, release);
    const sessionOptions = { ...options.sessionOptions, ...(external.files.length > 0 ? { externalData: external.files } : {}) };
    try {
      const session = await backend.createSession(model.graph, sessionOptions);
      return { session, ...(model.rows ? { rows: model.rows } : {}) };
    } catch (error) {
      if (!external.rereadAfterRelease) throw error;
    } finally {
      external.releaseAll();
    }
    model = await readSplitModel(file, options.split);
  }
  throw new Error(`internal: ${file.url}: ${file.role} was not opened`); // the second pass releases nothing, so it returns or throws
}
