/**
 * The protobuf wire format, as far as core's ONNX rewrites need it: reading
 * fields of a message held in memory, and encoding varints and
 * length-delimited fields. Hand-written for the reasons given in
 * ./onnx-initializers.ts (no 23 MB protobuf library in every install, no
 * tensor copies). Shared by the in-memory rewrite there and the streaming
 * one in ./onnx-stream-split.ts.
 */

/** Wire types of the protobuf encoding. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

/** Field numbers of onnx.proto3 that core's rewrites read or touch. */
export const MODEL_GRAPH = 7;
export const GRAPH_NODE = 1;
export const GRAPH_INITIALIZER = 5;
export const GRAPH_INPUT = 11;
export const NODE_INPUT = 1;
export const NODE_OUTPUT = 2;
export const NODE_OP_TYPE = 4;
export const NODE_ATTRIBUTE = 5;
export const ATTRIBUTE_NAME = 1;
export const ATTRIBUTE_INT = 3;
export const VALUE_INFO_NAME = 1;
export const TENSOR_DIMS = 1;
export const TENSOR_NAME = 8;
export const TENSOR_RAW_DATA = 9;
export const TENSOR_EXTERNAL_DATA = 13;
export const TENSOR_DATA_LOCATION = 14;
export const ENTRY_KEY = 1;
export const ENTRY_VALUE = 2;
export const DATA_LOCATION_EXTERNAL = 1;

/** One field as it sits in a message: its number, wire type, whole encoded span and (for length-delimited) payload. */
export interface Field {
  number: number;
  wireType: number;
  start: number;
  end: number;
  payload?: Uint8Array;
  varint?: number;
}

export function readVarint(bytes: Uint8Array, at: number): { value: number; next: number } {
  let value = 0;
  let scale = 1;
  for (let i = at; i < bytes.length && i < at + 10; i++) {
    const byte = bytes[i]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return { value, next: i + 1 };
    scale *= 128;
  }
  throw new Error(`malformed protobuf varint at byte ${at}`);
}

export function* fields(bytes: Uint8Array): Generator<Field> {
  let at = 0;
  while (at < bytes.length) {
    const start = at;
    const tag = readVarint(bytes, at);
    at = tag.next;
    const number = Math.floor(tag.value / 8);
    const wireType = tag.value % 8;
    if (wireType === VARINT) {
      const { value, next } = readVarint(bytes, at);
      at = next;
      yield { number, wireType, start, end: at, varint: value };
    } else if (wireType === LENGTH_DELIMITED) {
      const { value: length, next } = readVarint(bytes, at);
      if (next + length > bytes.length) throw new Error(`protobuf field ${number} runs past the end of its message`);
      at = next + length;
      yield { number, wireType, start, end: at, payload: bytes.subarray(next, at) };
    } else if (wireType === FIXED64 || wireType === FIXED32) {
      at += wireType === FIXED64 ? 8 : 4;
      yield { number, wireType, start, end: at };
    } else {
      throw new Error(`unsupported protobuf wire type ${wireType} (field ${number}) at byte ${start}`);
    }
  }
}

export function varint(value: number): Uint8Array {
  const out: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    out.push((rest % 128) | 0x80);
    rest = Math.floor(rest / 128);
  }
  out.push(rest);
  return Uint8Array.from(out);
}

/** The bytes of an ASCII string (keys and file names here are ASCII; core has no TextEncoder type, being runtime-free). */
export function ascii(text: string): Uint8Array {
  const bytes = Uint8Array.from(text, (char) => char.charCodeAt(0));
  if (bytes.some((byte, i) => byte !== text.charCodeAt(i) || byte > 0x7f)) throw new Error(`external data entry ${JSON.stringify(text)} is not ASCII`);
  return bytes;
}

/** A length-delimited field from already encoded parts. */
export function lengthDelimited(number: number, parts: Uint8Array[]): Uint8Array[] {
  const length = parts.reduce((sum, part) => sum + part.length, 0);
  return [varint(number * 8 + LENGTH_DELIMITED), varint(length), ...parts];
}

/** A string field's text (ONNX names are UTF-8; core is runtime-free, so decoded by hand). */
export function utf8(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; ) {
    const byte = bytes[i]!;
    const length = byte < 0x80 ? 1 : byte < 0xe0 ? 2 : byte < 0xf0 ? 3 : 4;
    let code = length === 1 ? byte : byte & (0xff >> (length + 1));
    for (let k = 1; k < length; k++) code = code * 64 + (bytes[i + k]! & 0x3f);
    text += String.fromCodePoint(code);
    i += length;
  }
  return text;
}

function entry(key: string, value: string): Uint8Array[] {
  return lengthDelimited(TENSOR_EXTERNAL_DATA, [...lengthDelimited(ENTRY_KEY, [ascii(key)]), ...lengthDelimited(ENTRY_VALUE, [ascii(value)])]);
}

/** A TensorProto's fields saying its data is external: `location`, `offset`, `length` entries and `data_location = EXTERNAL`. */
export function externalDataFields(placement: { location: string; offset: number; length: number }): Uint8Array[] {
  return [
    ...entry('location', placement.location),
    ...entry('offset', String(placement.offset)),
    ...entry('length', String(placement.length)),
    varint(TENSOR_DATA_LOCATION * 8 + VARINT),
    varint(DATA_LOCATION_EXTERNAL),
  ];
}

/** Encoded parts in one buffer. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
