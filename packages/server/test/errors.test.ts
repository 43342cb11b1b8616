import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeWav, sine } from '@refractor/test-helpers';
import { CLIP, form, json, postRaw, startServer, wav, type TestServer } from './helpers.js';

let server: TestServer;
const clip = readFileSync(CLIP);
const good = wav(3, 440);
const truncated = makeWav({ sampleRate: 44100, channels: [sine(440, 2, 44100)], declaredDataBytes: 10 * 44100 * 2 });
const midi = Uint8Array.from([0x4d, 0x54, 0x68, 0x64, 0, 0, 0, 6, 0, 0, 0, 1, 0, 96, 0x4d, 0x54, 0x72, 0x6b, 0, 0, 0, 4, 0, 0xff, 0x2f, 0]);

beforeAll(async () => {
  server = await startServer({ limits: { textChars: 100 } });
});
afterAll(async () => {
  await server?.close();
});

/** Checks an error response: status, `{ error, message, field? }`, a request id. */
async function expectError(response: Response, status: number, error: string, field?: string): Promise<{ error: string; message: string; field?: string }> {
  const body = await json(response);
  expect({ status: response.status, error: body.error, field: body.field }).toEqual({ status, error, field });
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(10);
  expect(Object.keys(body).sort()).toEqual(field === undefined ? ['error', 'message'] : ['error', 'field', 'message']);
  expect(response.headers.get('x-request-id')).toBeTruthy();
  return body;
}

describe('bad audio', () => {
  it('a truncated WAV is 422, saying so', async () => {
    const body = await expectError(await postRaw(`${server.url}/v1/score`, truncated, 'audio/wav'), 422, 'decode');
    expect(body.message).toMatch(/truncated/);
  });

  it('a text file named .mp3 is 422, naming the part', async () => {
    const response = await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({}, [['song', 'just some text, honestly', 'song.mp3']]) });
    const body = await expectError(response, 422, 'decode', 'song');
    expect(body.message).toMatch(/song\.mp3.*not a recognised audio format/);
  });

  it('text sent as audio/mpeg is 422', async () => {
    await expectError(await postRaw(`${server.url}/v1/score`, 'plain text pretending to be an mp3', 'audio/mpeg'), 422, 'decode');
  });

  it('MIDI without a concept is 400, a broken MIDI file 422, and MIDI to /v1/embed 415', async () => {
    await expectError(await postRaw(`${server.url}/v1/score`, midi, 'audio/midi'), 400, 'concept-required', 'concept');
    const broken = Uint8Array.from([...midi.subarray(0, 16)]);
    const body = await expectError(await postRaw(`${server.url}/v1/score?concept=rain`, broken, 'audio/midi'), 422, 'midi');
    expect(body.message).toMatch(/upload/);
    await expectError(await postRaw(`${server.url}/v1/embed`, midi, 'audio/midi'), 415, 'midi-unsupported');
  });
});

describe('empty input', () => {
  it('an empty raw body is 400', async () => {
    await expectError(await postRaw(`${server.url}/v1/score`, new Uint8Array(0), 'audio/wav'), 400, 'empty');
    await expectError(await postRaw(`${server.url}/v1/score`, undefined), 400, 'empty');
  });

  it('a 0-byte multipart part is 400, naming it', async () => {
    await expectError(await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({}, [['file', new Uint8Array(0), 'empty.wav']]) }), 400, 'empty', 'file');
  });

  it('a form without a file is 400', async () => {
    await expectError(await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({ concept: 'rain' }, []) }), 400, 'no-file');
  });
});

describe('bad options', () => {
  it('an unknown query parameter or form field is 400, naming it', async () => {
    await expectError(await postRaw(`${server.url}/v1/score?concpet=rain`, good, 'audio/wav'), 400, 'unknown-field', 'concpet');
    await expectError(await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({ colour: 'red' }, [['file', good, 'a.wav']]) }), 400, 'unknown-field', 'colour');
    // Options that do not apply to candidates are unknown to the batch route.
    await expectError(await fetch(`${server.url}/v1/score/batch`, { method: 'POST', body: form({ target: 'red' }, [['c', good, 'a.wav']]) }), 400, 'unknown-field', 'target');
  });

  it('a concept over the limit is 400 field-too-long (an audio over its limit is 413 too-long), in the query or a form field', async () => {
    const long = 'x'.repeat(101);
    const body = await expectError(await postRaw(`${server.url}/v1/score?concept=${long}`, good, 'audio/wav'), 400, 'field-too-long', 'concept');
    expect(body.message).toMatch(/100 characters/);
    await expectError(await fetch(`${server.url}/v1/score/batch`, { method: 'POST', body: form({ concept: long }, [['c', good, 'a.wav']]) }), 400, 'field-too-long', 'concept');
    await expectError(await postRaw(`${server.url}/v1/embed`, JSON.stringify({ concept: long }), 'application/json'), 400, 'field-too-long', 'concept');
  });

  it('an unknown color is 400', async () => {
    const body = await expectError(await postRaw(`${server.url}/v1/score?target=teal`, good, 'audio/wav'), 400, 'unknown-color', 'target');
    expect(body.message).toMatch(/Indigo/);
  });

  it('out-of-range numbers and unknown choices are 400, naming the field', async () => {
    await expectError(await postRaw(`${server.url}/v1/score?seed=-1`, good, 'audio/wav'), 400, 'invalid-field', 'seed');
    await expectError(await postRaw(`${server.url}/v1/score?crop=diagonal`, good, 'audio/wav'), 400, 'invalid-field', 'crop');
    await expectError(await postRaw(`${server.url}/v1/score?chunk_size=0`, good, 'audio/wav'), 400, 'invalid-field', 'chunk_size');
    await expectError(await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({ color_rule: 'vibes' }, [['f', good, 'a.wav']]) }), 400, 'invalid-field', 'color_rule');
  });
});

describe('bad requests', () => {
  it('unsupported media types are 415', async () => {
    await expectError(await postRaw(`${server.url}/v1/score`, 'hello', 'text/plain'), 415, 'unsupported-media-type');
    await expectError(await postRaw(`${server.url}/v1/score`, '{"a":1}', 'application/json'), 415, 'unsupported-media-type');
    const batch = await expectError(await postRaw(`${server.url}/v1/score/batch`, good, 'audio/wav'), 415, 'unsupported-media-type');
    // Batch takes only multipart: the message must not offer the raw body.
    expect(batch.message).toMatch(/only multipart\/form-data/);
    expect(batch.message).not.toMatch(/raw body|audio\/\*/);
  });

  it('a known path with the wrong method is 405 with Allow', async () => {
    const score = await fetch(`${server.url}/v1/score`);
    expect(score.headers.get('allow')).toBe('POST');
    await expectError(score, 405, 'method-not-allowed');
    const models = await fetch(`${server.url}/v1/models`, { method: 'DELETE' });
    expect(models.headers.get('allow')).toBe('GET, HEAD');
    await expectError(models, 405, 'method-not-allowed');
  });

  it('a field after the file, or a second file, is refused', async () => {
    const data = new FormData();
    data.append('file', new Blob([good]), 'a.wav');
    data.append('concept', 'too late');
    await expectError(await fetch(`${server.url}/v1/score`, { method: 'POST', body: data }), 400, 'field-after-file', 'concept');
    await expectError(await fetch(`${server.url}/v1/score`, { method: 'POST', body: form({}, [['a', good, 'a.wav'], ['b', good, 'b.wav']]) }), 413, 'too-many-files');
  });

  it('a malformed multipart body is 400', async () => {
    const body = '--XYZ\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nRIFF\x00\x00';
    await expectError(await postRaw(`${server.url}/v1/score`, body, 'multipart/form-data; boundary=XYZ'), 400, 'malformed-body', 'file');
  });

  it('unknown routes are 404 in the same shape', async () => {
    await expectError(await fetch(`${server.url}/v1/nope`), 404, 'not-found');
  });

  it('survives a client that disconnects mid-upload, and keeps serving', async () => {
    const url = new URL(`${server.url}/v1/score`);
    await new Promise<void>((resolve) => {
      const request = httpRequest({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'audio/ogg', 'content-length': clip.length } });
      request.on('error', () => resolve());
      request.write(clip.subarray(0, 50_000), () => setTimeout(() => {
        request.destroy();
        resolve();
      }, 200));
    });
    expect((await postRaw(`${server.url}/v1/score`, good, 'audio/wav')).status).toBe(200);
  });

  it('never answered 500 to any of this', async () => {
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).not.toMatch(/status="5\d\d"/);
    expect(metrics).toMatch(/status="422"/);
  });
});
