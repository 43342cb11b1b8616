import { InvalidValueError } from './errors.js';

/** Throws {@link InvalidValueError} naming `field` unless `value` is a finite number. */
export function assertFinite(value: number, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new InvalidValueError(field, value, 'a finite number');
  }
  return value;
}

/**
 * Rounds like Python's `round(x, digits)`: to the nearest multiple of
 * 10^-digits judged on the exact binary value of `x`, ties to even.
 * `Math.round(x * 1e4) / 1e4` differs from it (the product is itself rounded,
 * and ties go up), and so does `toFixed` (ties away from zero).
 *
 * @example
 * ```ts
 * roundHalfEven(0.03125, 4);  // 0.0312 (an exact tie, to even), as Python
 * roundHalfEven(-0.12345, 4); // -0.1235 (the double is just below -0.12345)
 * ```
 */
export function roundHalfEven(x: number, digits: number): number {
  assertFinite(x, 'x');
  if (x === 0) return x;
  // toFixed(100) prints the exact decimal expansion of any double whose
  // magnitude is at least 2^-46; smaller values round to 0 at <= 12 digits anyway.
  const exact = Math.abs(x).toFixed(100);
  const point = exact.indexOf('.');
  const kept = exact.slice(0, point) + exact.slice(point + 1, point + 1 + digits);
  const rest = exact.slice(point + 1 + digits);
  let scaled = BigInt(kept);
  const firstDropped = rest.charCodeAt(0) - 48;
  const restIsExactHalf = firstDropped === 5 && /^0*$/.test(rest.slice(1));
  if (firstDropped > 5 || (firstDropped === 5 && !restIsExactHalf) || (restIsExactHalf && scaled % 2n === 1n)) {
    scaled += 1n;
  }
  const magnitude = Number(scaled) / 10 ** digits;
  return x < 0 ? -magnitude : magnitude;
}
