/**
 * Numbers as Python writes them back. Python's `json` reads an integer literal as an exact
 * `int` and anything with a fraction or exponent as a `float`, and writes them back as
 * `str(int)` and `repr(float)`: `12345678901234567890`, `1.0`, `-0.0`, `1e+16`. JavaScript
 * has one number type and writes `12345678901234567000`, `1`, `0`, `10000000000000000`.
 *
 * So that the socket server answers like Python `eric_sse`, it keeps, beside each message
 * that came in over the socket, a *number twin* of its payload: the payload parsed by
 * `lossless-json`, whose numbers keep their literal text. The payload itself stays plain JSON
 * values for in-process consumers; the writer takes a number's text from the twin only where
 * the twin has a number of exactly the same value at the same place (see `pythonJsonDumps`).
 */
import { isLosslessNumber, parse as parseLossless } from 'lossless-json';

/**
 * Deepest request for which a twin is made: `lossless-json` parses recursively, so a deeper
 * request (allowed by a raised `maxRequestDepth`) is written with JavaScript's number forms.
 */
const kTwinMaxDepth = 256;

/** An integer literal as JSON writes it: no fraction, no exponent. */
const kIntegerLiteral = /^-?\d+$/;

/**
 * Python's `repr(float)` of a finite number: the shortest digits that read back as `x` (the
 * same digits JavaScript chooses), in fixed notation with at least one decimal when the
 * decimal point falls within 16 digits of the first one, else as `d.ddde+XX`.
 */
export function pythonFloatRepr(x: number): string {
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const sign = x < 0 ? '-' : '';
  // The shortest round-trip digits, and the decimal point's place relative to them.
  const [mantissa = '', exponent = '0'] = String(Math.abs(x)).split('e');
  const [whole = '', fraction = ''] = mantissa.split('.');
  let digits = whole + fraction;
  let point = whole.length + Number(exponent);
  const leadingZeros = /^0*/.exec(digits)![0].length;
  digits = digits.slice(leadingZeros).replace(/0+$/, '');
  point -= leadingZeros;
  if (point > -4 && point <= 16) {
    if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
    if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}.0`;
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }
  const e = point - 1;
  const head = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${head}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
}

/**
 * What Python writes for a JSON number literal it has read: an integer exactly (`-0` as `0`),
 * a float as `repr`. A float too large for a double (`1e400`) is kept as written: Python
 * would write `Infinity`, which is not JSON, while every JSON reader, Python's included,
 * reads `1e400` back as infinity.
 */
export function pythonNumberText(literal: string): string {
  if (kIntegerLiteral.test(literal)) return literal === '-0' ? '0' : literal;
  const value = Number(literal);
  return Number.isFinite(value) ? pythonFloatRepr(value) : literal;
}

/** What the writer puts for a plain number (as `JSON.stringify`, with `null` for a non-finite one). */
function plainNumberText(value: number): string {
  return Number.isFinite(value) ? JSON.stringify(value) : 'null';
}

/**
 * The number twin of a request's payload `p`: the request parsed with numbers kept as
 * literals, or `undefined` when it would change nothing (the payload has no number that
 * Python writes differently from JavaScript), the request is nested deeper than 256 levels, or
 * `lossless-json` cannot read it (a key given twice). Never throws.
 * @param raw - the request, already known to be valid JSON nested `depth` levels.
 */
export function payloadNumberTwin(raw: string, depth: number): unknown {
  if (depth > kTwinMaxDepth) return undefined;
  let request: Record<string, unknown>;
  try {
    request = parseLossless(raw) as Record<string, unknown>;
  } catch {
    // lossless-json refuses some JSON that JSON.parse and Python accept (a key given twice
    // with different values): the request stands, its numbers are written as JavaScript does.
    return undefined;
  }
  const twin = Object.hasOwn(request, 'p') ? request['p'] : undefined;
  return hasPythonOnlyNumber(twin) ? twin : undefined;
}

/** Whether a twin holds a number whose Python text differs from JavaScript's (checked without recursion). */
function hasPythonOnlyNumber(twin: unknown): boolean {
  const pending: unknown[] = [twin];
  while (pending.length > 0) {
    const node = pending.pop();
    if (isLosslessNumber(node)) {
      if (pythonNumberText(node.value) !== plainNumberText(Number(node.value))) return true;
    } else if (node !== null && typeof node === 'object') {
      for (const member of Array.isArray(node) ? node : Object.values(node)) pending.push(member);
    }
  }
  return false;
}

/**
 * The text to write for `value` where its twin is `twin`: Python's form of the twin's
 * literal when the twin is a number literal of exactly this value, else `undefined`.
 */
export function twinNumberText(value: number, twin: unknown): string | undefined {
  if (!isLosslessNumber(twin)) return undefined;
  return Object.is(Number(twin.value), value) ? pythonNumberText(twin.value) : undefined;
}

/** The twin of member `key` of a container whose twin is `twin` (`undefined` when it has none). */
export function twinMember(twin: unknown, key: string): unknown {
  if (twin === null || typeof twin !== 'object' || isLosslessNumber(twin)) return undefined;
  return Object.hasOwn(twin, key) ? (twin as Record<string, unknown>)[key] : undefined;
}
