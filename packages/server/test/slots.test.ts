import { describe, expect, it } from 'vitest';
import { settleWithin } from '../src/abandon.js';
import { Admission } from '../src/admission.js';
import { readiness } from '../src/readiness.js';
import type { ModelHolder } from '../src/models.js';

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('settleWithin (the bound on work that ignores its abort)', () => {
  it('settles as the work does while the signal stays quiet', async () => {
    const controller = new AbortController();
    await expect(settleWithin(Promise.resolve(7), controller.signal, 10, () => undefined)).resolves.toBe(7);
    await expect(settleWithin(Promise.reject(new Error('bad')), controller.signal, 10, () => undefined)).rejects.toThrow('bad');
  });

  it('gives up on work that never settles once the grace after the abort has passed', async () => {
    const controller = new AbortController();
    let abandoned = 0;
    const never = new Promise<number>(() => undefined);
    const settled = settleWithin(never, controller.signal, 20, () => abandoned++);
    controller.abort(new Error('deadline'));
    await expect(settled).rejects.toThrow('deadline');
    expect(abandoned).toBe(1);
  });

  it('lets work that stops soon after its abort finish on its own terms', async () => {
    const controller = new AbortController();
    let abandoned = 0;
    const settled = settleWithin(wait(5).then(() => 'stopped'), controller.signal, 10_000, () => abandoned++);
    controller.abort(new Error('deadline'));
    await expect(settled).resolves.toBe('stopped');
    expect(abandoned).toBe(0);
  });
});

describe('readiness', () => {
  const models = { state: 'ready', get: () => ({ modelSet: { name: 'tiny' } }) } as unknown as ModelHolder;

  it('is not ready while every slot is held past the time limit, and ready again once one is given back', async () => {
    const admission = new Admission(2, 4);
    expect(readiness(models, admission, 10).statusCode).toBe(200);
    const first = await admission.acquire();
    const second = await admission.acquire();
    await wait(30);
    expect(admission.heldLongerThan(10)).toBe(2);
    expect(readiness(models, admission, 10)).toMatchObject({ statusCode: 503, body: { status: 'stalled' } });
    // Held, but not past the limit: busy, still ready.
    expect(readiness(models, admission, 60_000).statusCode).toBe(200);
    first();
    expect(readiness(models, admission, 10)).toMatchObject({ statusCode: 200, body: { status: 'ready', models: 'tiny' } });
    second();
    expect(admission.heldLongerThan(0)).toBe(0);
  });

  it('says loading and failed as before', () => {
    const admission = new Admission(1, 0);
    expect(readiness({ state: 'loading' } as ModelHolder, admission, 10)).toMatchObject({ statusCode: 503, body: { status: 'loading' }, retryAfter: 2 });
    const failed = { state: 'failed', error: new Error('no such set\nmore') } as unknown as ModelHolder;
    expect(readiness(failed, admission, 10)).toEqual({ statusCode: 503, body: { status: 'failed', message: 'no such set' } });
  });
});
