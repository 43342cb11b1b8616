import { AXES, COLOR_NAMES, MODE_ORDERS, MODEL_DTYPES, type CandidateResult, type ColorName, type ModelDtype } from '@refractor/core';
import { isMidi } from '@refractor/audio';
import { createRefractorWorker, type RefractorProgress, type WebDevice, type WebScoredSong } from '../src/index.js';

/** Display colors for the nine classes (White and Black get outlines from the CSS border). */
const HEX: Record<ColorName, string> = {
  Red: '#e53935',
  Orange: '#fb8c00',
  Yellow: '#fdd835',
  Green: '#43a047',
  Blue: '#1e88e5',
  Indigo: '#3949ab',
  Violet: '#8e24aa',
  White: '#f5f5f5',
  Black: '#212121',
};

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const fileInput = $<HTMLInputElement>('file-input');
const concept = $<HTMLTextAreaElement>('concept');
const target = $<HTMLSelectElement>('target');
const crop = $<HTMLSelectElement>('crop');
const status = $<HTMLParagraphElement>('status');
const progressBar = $<HTMLProgressElement>('progress');
const errorBox = $<HTMLParagraphElement>('error');
const result = $<HTMLElement>('result');
const drop = $<HTMLLabelElement>('drop');

for (const name of COLOR_NAMES) target.add(new Option(name, name));

// ?models=<base URL of a set directory> (default: the Hugging Face hub); ?device=wasm|webgpu|auto (default auto);
// ?dtype=fp32|fp16|q8 (encoder weights, default fp32: q8 is a quarter of the download but shifts the embeddings).
// ?base=<URL of a base model refractor.onnx> enables MIDI files (e.g. ?models=/models/tiny/&base=/models/tiny/refractor.onnx).
const params = new URLSearchParams(location.search);
const models = params.get('models') || undefined;
const baseModelUrl = params.get('base') || undefined;
if (baseModelUrl) {
  fileInput.accept += ',.mid,.midi,audio/midi';
  drop.querySelector('span')!.textContent += ' — or a MIDI file (.mid), scored by the base model against the concept';
}
const deviceParam = params.get('device') ?? 'auto';
const device: WebDevice = deviceParam === 'wasm' || deviceParam === 'webgpu' ? deviceParam : 'auto';
const dtypeParam = params.get('dtype') ?? 'fp32';
const dtype: ModelDtype = (MODEL_DTYPES as readonly string[]).includes(dtypeParam) ? (dtypeParam as ModelDtype) : 'fp32';
// ?text_dtype= overrides the text encoder's weights alone (e.g. ?dtype=q8&text_dtype=fp32).
const textDtypeParam = params.get('text_dtype');
const textDtype = textDtypeParam && (MODEL_DTYPES as readonly string[]).includes(textDtypeParam) ? (textDtypeParam as ModelDtype) : undefined;
// ?concept=<text> fills the Concept field and embeds it while the models load (the text encoder first, then released).
const conceptParam = params.get('concept')?.trim() || undefined;
if (conceptParam) concept.value = conceptParam;
// ?text_worker=0 opens the text encoder in the Refractor worker itself (default: a worker of its own, ended once the concept is embedded).
const textEncoderWorker = params.get('text_worker') === '0' ? { textEncoderWorker: false as const } : {};
// ?concept_cache=0 keeps concept embeddings in memory only (default: IndexedDB, so a known concept never opens the text encoder).
const conceptStorage = params.get('concept_cache') === '0' ? { conceptStorage: false as const } : {};
// ?features_worker=1|0: decode and compute features in a worker of their own, or in the Refractor worker between model runs
// (default: a worker of their own when a core is left beside onnxruntime-web's threads).
const featuresParam = params.get('features_worker');
const featuresWorker = featuresParam === '0' || featuresParam === '1' ? { featuresWorker: featuresParam === '1' } : {};
// ?ort=noprepack,noarena,nopattern,optbasic: onnxruntime-web session options, for measuring their memory/speed trade-offs.
const ortFlags = new Set((params.get('ort') ?? '').split(',').filter(Boolean));
const sessionOptions = {
  ...(ortFlags.has('noprepack') ? { extra: { session: { disable_prepacking: '1' } } } : {}),
  ...(ortFlags.has('noarena') ? { enableCpuMemArena: false } : {}),
  ...(ortFlags.has('nopattern') ? { enableMemPattern: false } : {}),
  ...(ortFlags.has('optbasic') ? { graphOptimizationLevel: 'basic' as const } : {}),
};

// Every progress message, for tests and benchmarks to read (window.__refractorProgress).
const progressLog: (RefractorProgress & { t: number })[] = [];
(window as unknown as { __refractorProgress: typeof progressLog }).__refractorProgress = progressLog;

// Seconds since the page opened, shown after the status line while something runs.
const opened = performance.now();
let busy = true;
const clock = document.createElement('span');
clock.id = 'clock';
clock.className = 'muted';
status.after(clock);
setInterval(() => {
  clock.textContent = busy ? ` ${((performance.now() - opened) / 1000).toFixed(0)} s` : '';
}, 250);

const setStatus = (text: string) => {
  status.textContent = text;
  busy = !/^(Ready|Done|Could not|Cannot|Scoring .* failed)/.test(text);
};
const showError = (message: string) => {
  errorBox.textContent = message;
  errorBox.hidden = false;
};
const clearError = () => {
  errorBox.textContent = '';
  errorBox.hidden = true;
};
const setProgress = (fraction: number | null) => {
  progressBar.hidden = fraction === null;
  if (fraction !== null) progressBar.value = Math.min(1, Math.max(0, fraction));
};

const MB = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
const downloads = new Map<string, { loaded: number; total: number }>();
function onProgress(progress: RefractorProgress) {
  progressLog.push({ ...progress, t: performance.now() });
  if (progress.phase === 'download') {
    downloads.set(progress.url, { loaded: progress.loaded, total: progress.total });
    let loaded = 0;
    let total = 0;
    for (const d of downloads.values()) {
      loaded += d.loaded;
      total += d.total;
    }
    const file = progress.url.split('/').pop();
    setStatus(`${progress.cached ? 'Reading cached' : 'Downloading'} ${file}… ${MB(loaded)}${total ? ` of ${MB(total)}` : ''}`);
    setProgress(total ? loaded / total : null);
  } else if (progress.phase === 'init') {
    setStatus(`Loading models: ${progress.message}…`);
  } else if (progress.phase === 'score') {
    setStatus(`Scoring ${progress.name}: ${progress.scored} chunk${progress.scored === 1 ? '' : 's'} done (to ${progress.seconds.toFixed(0)} s)…`);
    setProgress(null);
  } else {
    setStatus(`Decoding and scoring ${progress.name}: chunk ${progress.chunks} (at ${progress.seconds.toFixed(0)} s)…`);
    setProgress(null);
  }
}

const worker = new Worker(new URL('../src/worker.ts', import.meta.url), { type: 'module' });
const refractor = createRefractorWorker({ worker, onProgress });
setStatus('Loading models…');
const loaded = refractor.load({
  ...(models ? { baseUrl: models } : {}),
  ...(baseModelUrl ? { baseModelUrl } : {}),
  device,
  dtype: textDtype ? { clap: dtype, text: textDtype } : dtype,
  ...(conceptParam ? { concepts: [conceptParam] } : {}),
  ...textEncoderWorker,
  ...featuresWorker,
  ...conceptStorage,
  ...(Object.keys(sessionOptions).length > 0 ? { sessionOptions } : {}),
  wasmPaths: new URL('ort/', document.baseURI).href,
});
loaded.then(
  (info) => {
    downloads.clear();
    setProgress(null);
    setStatus(`Ready (${info.backend}). Choose an audio file.`);
    document.body.dataset.backend = info.backend;
  },
  (error: Error) => {
    setProgress(null);
    setStatus('Could not load the models.');
    showError(`Could not load the models: ${error.message}`);
    // Without ?models= the page fetches the real set from the Hugging Face hub; offline (or blocked), the
    // tiny test set served beside the demo still shows the whole pipeline.
    if (!models) {
      const tiny = new URL(location.href);
      tiny.searchParams.set('models', '/models/tiny/');
      const link = Object.assign(document.createElement('a'), { href: tiny.href, textContent: '?models=/models/tiny/' });
      errorBox.append(' Without access to the Hugging Face hub, open the page with ', link, ' (the tiny test set: its predictions mean nothing).');
    }
  },
);

let currentFile: File | undefined;
let runId = 0;

async function scoreFile(file: File) {
  currentFile = file;
  const run = ++runId;
  clearError();
  result.hidden = true;
  result.removeAttribute('data-json');
  setStatus(`Waiting for the models before scoring ${file.name}…`);
  try {
    await loaded;
  } catch {
    return; // the load error is already shown
  }
  try {
    setStatus(`Reading ${file.name}…`);
    const bytes = new Uint8Array(await file.arrayBuffer());
    if (isMidi(bytes)) {
      if (!baseModelUrl) throw new Error(`${file.name} is a MIDI file: MIDI needs a base model (open the page with ?base=<URL of refractor.onnx>)`);
      // The base model needs a concept (the original raises without one): ask for it before any work.
      if (!concept.value.trim()) throw new Error(`${file.name} is a MIDI file: the base model needs a concept; write one in the Concept field`);
      setStatus(`Scoring ${file.name} with the base model…`);
      const [item] = await refractor.scoreCandidates([{ id: file.name, midi: bytes }], { concept: concept.value.trim() || null });
      if (run !== runId) return;
      if (item!.error) throw Object.assign(new Error(item!.error.message), { name: item!.error.name });
      renderCandidate(item!.result!);
      setStatus(`Done: ${file.name} scored by the ${item!.result!.model} model.`);
      return;
    }
    setStatus(`Decoding and scoring ${file.name}…`);
    const song = await refractor.score(bytes, {
      name: file.name,
      concept: concept.value.trim() || null,
      target: target.value || null,
      crop: crop.value as 'start' | 'center' | 'random',
      seed: 0,
    });
    if (run !== runId) return;
    render(song);
    setStatus(`Done: ${file.name} is ${song.predicted_color} (${song.chunk_count} chunk${song.chunk_count === 1 ? '' : 's'}, ${song.settings.backend}).`);
  } catch (error) {
    if (run !== runId) return;
    const e = error as Error & { code?: string };
    setStatus(e.name === 'AudioDecodeError' ? `Cannot read ${file.name}.` : `Scoring ${file.name} failed.`);
    showError(e.name === 'AudioDecodeError' || e.name === 'MidiParseError' ? `Unreadable file — ${e.message}` : e.message);
  }
}

function bars(container: HTMLElement, entries: [string, number][], color?: (label: string) => string) {
  container.replaceChildren(
    ...entries.map(([label, value]) => {
      const row = document.createElement('div');
      row.className = 'bar';
      const name = document.createElement('span');
      name.textContent = label;
      const track = document.createElement('div');
      track.className = 'track';
      const fill = document.createElement('div');
      fill.className = 'fill';
      fill.style.width = `${(value * 100).toFixed(1)}%`;
      if (color) fill.style.background = color(label);
      track.append(fill);
      const val = document.createElement('span');
      val.className = 'val';
      val.textContent = value.toFixed(3);
      row.append(name, track, val);
      return row;
    }),
  );
}

function axisBars(result: CandidateResult | WebScoredSong) {
  $('axes').replaceChildren(
    ...AXES.map((axis) => {
      const box = document.createElement('div');
      const title = document.createElement('strong');
      title.textContent = axis;
      const list = document.createElement('div');
      const dist = result[axis] as Record<string, number>;
      bars(list, MODE_ORDERS[axis].map((mode) => [mode, dist[mode] ?? 0]));
      box.append(title, list);
      return box;
    }),
  );
}

/** A base-model answer: the three axes and the confidence (no color, no timeline). */
function renderCandidate(candidate: CandidateResult) {
  $('swatch').style.background = candidate.model === 'cdm' ? HEX[candidate.predicted_color] : 'transparent';
  $('color-name').textContent = candidate.model === 'cdm' ? candidate.predicted_color : 'MIDI candidate';
  $('confidence').textContent = `Confidence ${(candidate.confidence * 100).toFixed(1)}% (${candidate.model} model)`;
  $('rules').textContent = 'The base Refractor model answers with the three axis distributions and a confidence.';
  $('test-only').hidden = true;
  axisBars(candidate);
  $('probs').replaceChildren();
  $('timeline').replaceChildren();
  $('timeline-note').textContent = '';
  $('match').hidden = true;
  $('settings').textContent = `base model ${baseModelUrl ?? ''}`;
  result.dataset.json = JSON.stringify(candidate);
  result.hidden = false;
}

function render(song: WebScoredSong) {
  $('swatch').style.background = HEX[song.predicted_color];
  $('color-name').textContent = song.predicted_color;
  $('confidence').textContent = `Confidence ${(song.confidence * 100).toFixed(1)}% (mean over ${song.chunk_count} chunk${song.chunk_count === 1 ? '' : 's'})`;
  $('rules').textContent = `Color by target rows (the original rule): ${song.predicted_color} · by pooled probabilities: ${song.predicted_color_by_probs}`;
  $('test-only').hidden = !song.settings.test_only;

  axisBars(song);
  bars($('probs'), COLOR_NAMES.map((c) => [c, song.color_probs[c]]), (label) => HEX[label as ColorName]);

  const timeline = $('timeline');
  timeline.replaceChildren(
    ...song.chunks.map((chunk) => {
      const cell = document.createElement('div');
      cell.style.background = HEX[chunk.predicted_color];
      cell.style.opacity = String(0.35 + 0.65 * chunk.confidence);
      cell.title = `${chunk.start_s.toFixed(0)}–${chunk.end_s.toFixed(0)} s: ${chunk.predicted_color} (${(chunk.confidence * 100).toFixed(1)}%)`;
      return cell;
    }),
  );
  $('timeline-note').textContent = `(${song.chunks.length} chunks; hover for details)`;

  const match = $('match');
  match.hidden = !song.target_color;
  if (song.target_color && song.drift) {
    const d = song.drift;
    $('match-text').textContent =
      `Target ${song.target_color}: chromatic match ${((song.chromatic_match ?? 0) * 100).toFixed(1)}% · drift ${d.overall_drift.toFixed(4)} ` +
      `(temporal ${d.temporal_delta.toFixed(4)}, spatial ${d.spatial_delta.toFixed(4)}, ontological ${d.ontological_delta.toFixed(4)})`;
  }
  const s = song.settings;
  $('settings').textContent = `models ${s.models}${s.test_only ? ' (test only)' : ''} · ${s.backend} · crop ${s.crop} (seed ${s.seed}) · chunks ${s.chunk_size_s} s every ${s.chunk_stride_s} s · batch ${s.batch_size}`;
  result.dataset.json = JSON.stringify(song);
  result.hidden = false;
}

fileInput.addEventListener('change', () => {
  const file = fileInput.files?.[0];
  if (file) void scoreFile(file);
});
for (const control of [target, crop]) control.addEventListener('change', () => currentFile && void scoreFile(currentFile));
concept.addEventListener('change', () => currentFile && void scoreFile(currentFile));

drop.addEventListener('dragover', (event) => {
  event.preventDefault();
  drop.classList.add('over');
});
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (event) => {
  event.preventDefault();
  drop.classList.remove('over');
  const file = event.dataTransfer?.files[0];
  if (file) void scoreFile(file);
});
