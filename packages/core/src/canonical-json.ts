/**
 * JSON text with object keys sorted (by UTF-16 code units) at every level,
 * so equal values always give equal text: what job ids, batch ids and
 * `--resume` digests hash. Otherwise as `JSON.stringify`: object members
 * whose value is `undefined` (or a function) are left out, such array
 * entries become `null`, non-finite numbers become `null`, `toJSON` is
 * honoured. One definition for every package (the queue and the CLI each
 * kept their own, differing on integer-like keys).
 *
 * @example
 * ```ts
 * canonicalJson({ seed: 0, crop: 'start', concept: undefined }); // '{"crop":"start","seed":0}'
 * canonicalJson([{ b: 1, a: [2, undefined] }]);                // '[{"a":[2,null],"b":1}]'
 * ```
 */
export function canonicalJson(value: unknown): string {
  return write(value) ?? 'null';
}

/** The canonical text of a value, or undefined where JSON leaves the value out. */
function write(value: unknown): string | undefined {
  const node = value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function' ? (value as { toJSON(): unknown }).toJSON() : value;
  if (node === undefined || typeof node === 'function' || typeof node === 'symbol') return undefined;
  if (node === null || typeof node !== 'object') return JSON.stringify(node);
  if (Array.isArray(node)) return `[${node.map((entry) => write(entry) ?? 'null').join(',')}]`;
  const members: string[] = [];
  for (const key of Object.keys(node).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))) {
    const text = write((node as Record<string, unknown>)[key]);
    if (text !== undefined) members.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${members.join(',')}}`;
}
