import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON, startRedisServer } from '@refractor/test-helpers/redis-server';
import { SWIFTSHADER_ENV, WEBGPU_SKIP_REASON } from '@refractor/test-helpers/swiftshader';
import { finishedJobs, spawnWorker, waitFor } from './queue-helpers.js';
import { BIN, runRefractor, runRefractorAsync } from './run-cli.js';

// `--device webgpu` end to end, on SwiftShader (a CPU Vulkan driver) set in
// the children's environment only. The reference is the same command on cpu:
// records must agree within 1e-5 in every number; only the fields that name
// the device (device, backend, batch_size, and the resume digest over them) differ.

const work = mkdtempSync(join(tmpdir(), 'refractor-webgpu-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const song = join(work, 'song.wav');
// 40 s: 8 chunks (30 s windows, 5 s apart), so one batch of 8 runs on the GPU.
writeFileSync(song, makeWav({ sampleRate: 22050, channels: [sine(262, 40, 22050, 0.4), sine(393, 40, 22050, 0.2)], bits: 16 }));
const TINY = ['--models', 'tiny', '--offline'];
const CONCEPT = ['--concept', 'a song about the sea'];
const DEVICE_FIELDS = new Set(['device', 'backend', 'batch_size', 'settings_digest']);

/** Asserts `actual` is `expected` with every number within 1e-5, device fields aside; returns the largest difference. */
function expectClose(actual: unknown, expected: unknown, path = '$'): number {
  if (typeof expected === 'number') {
    expect(typeof actual, path).toBe('number');
    const diff = Math.abs((actual as number) - expected);
    expect(diff, `${path}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-5);
    return diff;
  }
  if (expected === null || typeof expected !== 'object') {
    expect(actual, path).toEqual(expected);
    return 0;
  }
  expect(Object.keys(actual as object), path).toEqual(Object.keys(expected));
  let max = 0;
  for (const [key, value] of Object.entries(expected)) {
    if (DEVICE_FIELDS.has(key)) continue;
    max = Math.max(max, expectClose((actual as Record<string, unknown>)[key], value, `${path}.${key}`));
  }
  return max;
}

const skip = WEBGPU_SKIP_REASON !== undefined;
describe.skipIf(skip)(`refractor --device webgpu${skip ? ` (SKIPPED: ${WEBGPU_SKIP_REASON})` : ''}`, { timeout: 180_000 }, () => {
  let cpuRecord: Record<string, unknown>;
  const children: ChildProcess[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('score gives the cpu record within 1e-5, with the device in settings and under -v', async () => {
    const [cpu, gpu] = await Promise.all([
      runRefractorAsync(['score', song, ...TINY, ...CONCEPT, '--format', 'jsonl']),
      runRefractorAsync(['score', song, ...TINY, ...CONCEPT, '--format', 'jsonl', '--device', 'webgpu', '-v'], { env: SWIFTSHADER_ENV }),
    ]);
    expect(cpu.status, cpu.stderr).toBe(0);
    expect(gpu.status, gpu.stderr).toBe(0);
    cpuRecord = JSON.parse(cpu.stdout);
    const gpuRecord = JSON.parse(gpu.stdout);
    expect(gpuRecord.chunk_count).toBe(8);
    expect(gpuRecord.settings).toMatchObject({ device: 'webgpu', backend: 'onnxruntime-node (webgpu)', batch_size: 16 });
    const max = expectClose(gpuRecord, cpuRecord);
    console.log(`refractor score --device webgpu vs cpu: max abs diff over the record's numbers ${max}`);
    expect(gpu.stderr).toContain('refractor: device: webgpu; onnxruntime-node (webgpu), batch size 16');
  });

  it('auto: under -v says what it tried; SwiftShader alone is a software driver, so auto stays on cpu', () => {
    const run = runRefractor(['score', song, ...TINY, '--format', 'jsonl', '--device', 'auto', '-v'], { env: SWIFTSHADER_ENV });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/refractor: device: cpu \(auto: cuda: [^;]+; webgpu: only software Vulkan drivers \(\/usr\/lib\/chromium\/vk_swiftshader_icd\.json\)[^;]*; cpu: always available\)/);
    expect(JSON.parse(run.stdout).settings.device).toBe('cpu');
  });

  it('serve --device webgpu scores a request as score on cpu does', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', ...TINY, '--port', '0', '--device', 'webgpu', '--log-level', 'warn'], {
      env: { ...process.env, ...SWIFTSHADER_ENV },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    await waitFor('the server to be ready', () => /models ready/.test(stderr) || child.exitCode !== null, 120_000);
    const url = /serving on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr)?.[1];
    expect(url, stderr).toBeDefined();
    const models = (await (await fetch(`${url}/v1/models`)).json()) as { device: string; backend: string };
    expect(models).toMatchObject({ device: 'webgpu', backend: 'onnxruntime-node (webgpu)' });
    const response = await fetch(`${url}/v1/score?concept=${encodeURIComponent('a song about the sea')}`, { method: 'POST', body: readFileSync(song), headers: { 'content-type': 'audio/wav' } });
    expect(response.status).toBe(200);
    const record = (await response.json()) as Record<string, unknown>;
    expect(record.settings).toMatchObject({ device: 'webgpu' });
    for (const key of ['color_probs', 'confidence', 'temporal', 'spatial', 'ontological', 'chunks'] as const) expectClose(record[key], cpuRecord[key], key);
  });

  it.skipIf(REDIS_SKIP_REASON !== undefined)(`worker --device webgpu runs a job and its result is score's on cpu${REDIS_SKIP_REASON ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, async () => {
    const redis = await startRedisServer();
    const flags = ['--redis', redis.url, '--queue', 'webgpu'];
    const worker = spawnWorker([...flags, ...TINY, '--device', 'webgpu'], SWIFTSHADER_ENV);
    try {
      const add = await runRefractorAsync(['queue', 'add', song, ...flags, ...CONCEPT]);
      expect(add.status, add.stderr).toBe(0);
      await waitFor('the worker to finish its job', () => finishedJobs(worker.log()).length === 1, 120_000);
      const results = await runRefractorAsync(['queue', 'results', '--wait', ...flags]);
      expect(results.status, results.stderr).toBe(0);
      const record = JSON.parse(results.stdout.trim());
      expect(record.settings).toMatchObject({ device: 'webgpu', backend: 'onnxruntime-node (webgpu)' });
      for (const key of ['color_probs', 'confidence', 'temporal', 'spatial', 'ontological', 'chunks']) expectClose(record[key], cpuRecord[key], key);
    } finally {
      await worker.stop(5000);
      await redis.dispose();
    }
  });
});

describe('--device in every command that runs the models', () => {
  it.each(['score', 'validate', 'extract', 'serve', 'worker'])('%s --help explains cpu, cuda, webgpu and auto', (command) => {
    const run = runRefractor([command, '--help']);
    expect(run.status).toBe(0);
    const help = run.stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--device <device>/);
    expect(help).toMatch(/choices: "cpu", "cuda", "webgpu", "auto"/);
    expect(help).toMatch(/webgpu \(any GPU through onnxruntime-node's WebGPU provider: Vulkan on Linux, which needs libvulkan1/);
  });
});
