import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { runRefractor } from './run-cli.js';

const work = mkdtempSync(join(tmpdir(), 'refractor-concepts-cli-'));
const cache = join(work, 'cache');
const env = { REFRACTOR_CACHE: cache };
const song = join(work, 'song.wav');
writeFileSync(song, makeWav({ sampleRate: 44100, channels: [sine(440, 12, 44100, 0.4)], bits: 16 }));
const score = (...extra: string[]) => runRefractor(['score', song, '--models', 'tiny', '--offline', '--format', 'json', '--concept', 'Rain on a tin roof', ...extra], { env });

describe('refractor models concepts', () => {
  it('shows the concepts score cached, gives the same probabilities from the cache, and --clear empties it', () => {
    const empty = runRefractor(['models', 'concepts'], { env });
    expect(empty.status).toBe(0);
    expect(empty.stdout).toContain(`concept cache: ${join(cache, 'concepts')}`);
    expect(empty.stdout).toContain('0 concepts, 0 B, 0 text models');
    // The tiny encoder is too small to be worth a copy with external weights.
    expect(empty.stdout).toContain(`0 text-encoder copies with external weights, 0 B (${join(cache, 'external-weights')})`);

    const computed = score('--no-concept-cache');
    expect(computed.status).toBe(0);
    expect(JSON.parse(runRefractor(['models', 'concepts', '--json'], { env }).stdout).count).toBe(0);

    const first = score();
    const second = score();
    expect(first.status).toBe(0);
    expect(second.status).toBe(0);
    const probs = (run: { stdout: string }) => JSON.parse(run.stdout)[0].chunks.map((c: { color_probs: unknown }) => c.color_probs);
    expect(probs(first)).toEqual(probs(computed));
    expect(probs(second)).toEqual(probs(computed));

    const shown = runRefractor(['models', 'concepts'], { env });
    expect(shown.stdout).toMatch(/^1 concept, 3\.\d kB, 1 text model$/m);
    expect(shown.stdout).toContain(join('tiny', 'text', 'onnx', 'model.onnx'));
    const listed = JSON.parse(runRefractor(['models', 'concepts', '--json'], { env }).stdout);
    expect(listed).toMatchObject({ location: join(cache, 'concepts'), count: 1 });
    expect(listed.models[0].description.files.map((f: { role: string }) => f.role)).toEqual(['text.model', 'text.tokenizer', 'text.tokenizer_config']);

    const cleared = runRefractor(['models', 'concepts', '--clear'], { env });
    expect(cleared.status).toBe(0);
    expect(cleared.stdout).toContain('cleared: 1 concept');
    expect(JSON.parse(runRefractor(['models', 'concepts', '--json'], { env }).stdout).count).toBe(0);
    const copies = runRefractor(['models', 'concepts', '--clear-copies'], { env });
    expect(copies.stdout).toContain('cleared: 0 text-encoder copies');
  }, 60_000);

  it('documents the subcommand and its flags', () => {
    const help = runRefractor(['models', 'concepts', '--help']);
    expect(help.status).toBe(0);
    for (const flag of ['--clear', '--clear-copies', '--json', '--cache-dir']) expect(help.stdout).toContain(flag);
    expect(runRefractor(['score', '--help']).stdout).toContain('--no-concept-cache');
  }, 20_000);
});
