import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { REDIS_SKIP_REASON, startRedisServer } from '@refractor/test-helpers/redis-server';

// The README's example, run as written against a real Redis with the tiny models.
const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
// The block after the `readme-test` marker, as scripts/lib/readme-examples.mjs finds it.
const example = /^<!--\s*readme-test\b.*-->\n```ts\n([\s\S]*?)^```$/m.exec(readme)?.[1];
const work = mkdtempSync(join(tmpdir(), 'refractor-queue-readme-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe.skipIf(REDIS_SKIP_REASON !== undefined)(`README example${REDIS_SKIP_REASON ? ` (SKIPPED: ${REDIS_SKIP_REASON})` : ''}`, () => {
  it('scores a song through a worker and prints its result', { timeout: 60_000 }, async () => {
    expect(example).toBeDefined();
    const redis = await startRedisServer();
    const song = join(work, 'song.wav');
    writeFileSync(song, makeWav({ sampleRate: 16000, channels: [sine(440, 2, 16000)], bits: 16 }));
    // Inside the package, so its imports resolve as a user's would.
    const file = join(import.meta.dirname, `.readme-example-${process.pid}.ts`);
    writeFileSync(file, example!);
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    process.env.REDIS_URL = redis.url;
    process.env.SONG = song;
    try {
      await import(file);
      const printed = log.mock.calls.map((call) => call.join(' '));
      expect(printed[0]).toMatch(/^job score-[0-9a-f]{64}$/);
      expect(printed[1]).toMatch(new RegExp(`^${song} (Red|Orange|Yellow|Green|Blue|Indigo|Violet|White|Black) \\d`));
    } finally {
      log.mockRestore();
      delete process.env.REDIS_URL;
      delete process.env.SONG;
      rmSync(file, { force: true });
      await redis.dispose();
    }
  });
});
