// What --resume's durability costs: appending song records to a JSON Lines file
// with one write + fdatasync per line (openDurableLines) versus plain appends.
// Run after `pnpm build`: node bench/durable-append.bench.mjs [lines] [dir]
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDurableLines } from '../dist/index.js';

const lines = Number(process.argv[2] ?? 300);
const dir = mkdtempSync(join(process.argv[3] ?? tmpdir(), 'refractor-append-'));
// A 4-minute song at 30 s / 5 s windows: ~48 chunks, each with 9 probabilities: ~15 kB of JSON.
const chunk = { start_s: 0, end_s: 30, predicted_color: 'Indigo', confidence: 0.4123456789, color_probs: Object.fromEntries('Red Orange Yellow Green Blue Indigo Violet White Black'.split(' ').map((c) => [c, 0.1111111111])) };
const record = JSON.stringify({ file: 'albums/some-artist/some-song.flac', predicted_color: 'Indigo', chunks: Array.from({ length: 48 }, () => chunk) });

const durable = await openDurableLines(join(dir, 'durable.jsonl'));
let started = performance.now();
for (let i = 0; i < lines; i++) await durable.append(record);
const durableMs = (performance.now() - started) / lines;
await durable.close();

const plain = await open(join(dir, 'plain.jsonl'), 'a');
started = performance.now();
for (let i = 0; i < lines; i++) await plain.write(`${record}\n`);
const plainMs = (performance.now() - started) / lines;
await plain.close();
rmSync(dir, { recursive: true, force: true });

console.log(`record ${(record.length / 1024).toFixed(1)} kB, ${lines} lines in ${dir}`);
console.log(`write + fdatasync per line: ${durableMs.toFixed(3)} ms/line`);
console.log(`write only:                 ${plainMs.toFixed(3)} ms/line`);
console.log(`(scoring one such song with the real models on this class of machine takes seconds: the sync is noise)`);
