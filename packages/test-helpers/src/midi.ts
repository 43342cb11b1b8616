/**
 * Hand-built Standard MIDI Files for tests, and an independent reference for
 * the piano roll: its own byte-level parser (not midi-file) and a literal
 * transcription of the original algorithm.
 */

/** A MIDI variable-length quantity. */
export function vlq(value: number): number[] {
  const bytes = [value & 0x7f];
  for (let v = value >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
  return bytes;
}

const u32 = (n: number) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
const u16 = (n: number) => [(n >>> 8) & 0xff, n & 0xff];
const chars = (s: string) => [...s].map((c) => c.charCodeAt(0));

/** One track event: a delta time then its raw bytes (status included, or not for running status). */
export type RawEvent = [delta: number, ...bytes: number[]];

export const on = (delta: number, pitch: number, velocity = 100, channel = 0): RawEvent => [delta, 0x90 | channel, pitch, velocity];
export const off = (delta: number, pitch: number, velocity = 64, channel = 0): RawEvent => [delta, 0x80 | channel, pitch, velocity];
export const tempo = (delta: number, usPerBeat: number): RawEvent => [delta, 0xff, 0x51, 0x03, (usPerBeat >> 16) & 0xff, (usPerBeat >> 8) & 0xff, usPerBeat & 0xff];
export const endOfTrack = (delta = 0): RawEvent => [delta, 0xff, 0x2f, 0x00];

/** An MTrk chunk from events (delta times encoded as VLQs). */
export function trackChunk(events: readonly RawEvent[]): number[] {
  const body = events.flatMap(([delta, ...bytes]) => [...vlq(delta), ...bytes]);
  return [...chars('MTrk'), ...u32(body.length), ...body];
}

/** A whole file: MThd (format, track count, division) then the tracks. */
export function smf(format: 0 | 1 | 2, division: number, tracks: readonly (readonly RawEvent[])[]): Uint8Array {
  return Uint8Array.from([...chars('MThd'), ...u32(6), ...u16(format), ...u16(tracks.length), ...u16(division), ...tracks.flatMap((t) => trackChunk(t))]);
}

/**
 * The original's `midi_bytes_to_piano_roll`, transcribed literally over our
 * own parser: returns 128 rows of 256 float64 values (before the float32 store).
 */
export function referencePianoRoll(bytes: Uint8Array): number[][] {
  let pos = 0;
  const byte = () => {
    if (pos >= bytes.length) throw new Error('reference: unexpected end of data');
    return bytes[pos++]!;
  };
  const readVlq = () => {
    let value = 0;
    for (;;) {
      const b = byte();
      value = value * 128 + (b & 0x7f);
      if (!(b & 0x80)) return value;
    }
  };
  const word = (n: number) => {
    let value = 0;
    for (let i = 0; i < n; i++) value = value * 256 + byte();
    return value;
  };
  pos = 8;
  word(2);
  const trackCount = word(2);
  const ticksPerBeat = word(2);
  const events: Array<{ time: number; type: 'on' | 'off'; note: number; velocity: number }> = [];
  for (let t = 0; t < trackCount; t++) {
    pos += 4;
    const end = pos + 4 + word(4);
    let absTicks = 0;
    let currentTempo = 500000;
    let running = 0;
    while (pos < end) {
      absTicks += readVlq();
      let status = byte();
      if (status === 0xff) {
        const type = byte();
        const length = readVlq();
        const data = bytes.subarray(pos, pos + length);
        pos += length;
        if (type === 0x51) currentTempo = (data[0]! << 16) | (data[1]! << 8) | data[2]!;
        continue;
      }
      if (status === 0xf0 || status === 0xf7) {
        const length = readVlq();
        pos += length;
        continue;
      }
      if (status < 0x80) {
        pos -= 1;
        status = running;
      } else {
        running = status;
      }
      const kind = status >> 4;
      const size = kind === 0xc || kind === 0xd ? 1 : 2;
      const data = [byte(), ...(size === 2 ? [byte()] : [])];
      const time = absTicks * ((currentTempo * 1e-6) / ticksPerBeat);
      if (kind === 0x9 && data[1]! > 0) events.push({ time, type: 'on', note: data[0]!, velocity: data[1]! });
      else if (kind === 0x8 || (kind === 0x9 && data[1] === 0)) events.push({ time, type: 'off', note: data[0]!, velocity: data[1]! });
    }
  }
  // Python's sorted(key=time): stable. Decorate with the index to not rely on the engine.
  const order = events.map((e, i) => [e, i] as const).sort((a, b) => a[0].time - b[0].time || a[1] - b[1]).map(([e]) => e);
  const roll = Array.from({ length: 128 }, () => new Array<number>(256).fill(0));
  const active = new Map<number, [number, number]>();
  for (const e of order) {
    if (e.time >= 25.6) break;
    const step = Math.min(Math.trunc(e.time / 0.1), 255);
    if (e.type === 'on') active.set(e.note, [step, e.velocity]);
    else if (active.has(e.note)) {
      const [start, velocity] = active.get(e.note)!;
      for (let s = start; s <= step; s++) roll[e.note]![s] = velocity / 127;
      active.delete(e.note);
    }
  }
  for (const [note, [start, velocity]] of active) for (let s = start; s <= 255; s++) roll[note]![s] = velocity / 127;
  return roll;
}

/** The sounding steps of one pitch as [from, to, velocity] runs (for readable hand-written expectations). */
export function runs(roll: Float32Array, pitch: number): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let s = 0; s < 256; s++) {
    const v = roll[pitch * 256 + s]!;
    if (v === 0) continue;
    const last = out.at(-1);
    if (last && last[1] === s - 1 && Math.fround(last[2] / 127) === v) last[1] = s;
    else out.push([s, s, Math.round(v * 127)]);
  }
  return out;
}
