/**
 * JSON text formatted byte for byte as Python's `json.dumps(value)` with its defaults
 * (`separators=(', ', ': ')`, `ensure_ascii=True`), which is what Python `eric_sse` writes
 * on the socket. Any JSON parser reads it; matching the bytes keeps recorded sessions,
 * tests and line-oriented tools identical whichever side (Python or Node) is talking.
 */

import { twinMember, twinNumberText } from './python-numbers.js';

// Characters Python escapes under ensure_ascii that JSON.stringify leaves raw: DEL and
// everything above ASCII (JSON.stringify already escapes control characters and lone
// surrogates the same way Python does).
const kNonAscii = /[\u007f-\uffff]/g;

function escapeNonAscii(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** A JSON string literal as Python writes it. */
function dumpString(text: string): string {
  return JSON.stringify(text).replace(kNonAscii, escapeNonAscii);
}

/** An array or object being written: its members so far and the next one to write. */
interface Frame {
  readonly container: object;
  /** The container's number twin (see `python-numbers.ts`), or `undefined`. */
  readonly twin: unknown;
  /** Keys of an object's own enumerable properties; `undefined` for an array. */
  readonly keys: string[] | undefined;
  readonly length: number;
  /** Index of the member being written. */
  index: number;
  readonly parts: string[];
}

/** What `JSON.stringify` would write in place of `value`: the result of its `toJSON(key)`, if any. */
function jsonValueOf(value: unknown, key: string): unknown {
  if (value !== null && typeof value === 'object' && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return (value as { toJSON: (key: string) => unknown }).toJSON(key);
  }
  return value;
}

/**
 * The text of a value that is not an array or object; `undefined` for a value JSON has no
 * form of. A number takes Python's form from its twin when the twin has one.
 */
function dumpLeaf(value: unknown, twin: unknown): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return dumpString(value);
    case 'number':
      // Python writes NaN/Infinity as bare words that are not JSON; null keeps the line parseable.
      return twinNumberText(value, twin) ?? (Number.isFinite(value) ? JSON.stringify(value) : 'null');
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      return undefined; // undefined, function, symbol
  }
}

/** Adds a written member to its array (`null` for one with no JSON form) or object (left out then). */
function addMember(frame: Frame, text: string | undefined): void {
  if (!frame.keys) frame.parts.push(text ?? 'null');
  else if (text !== undefined) frame.parts.push(`${dumpString(frame.keys[frame.index]!)}: ${text}`);
}

/**
 * Writes `root` with an explicit stack instead of recursion, so that no input, however deeply
 * nested, can overflow the call stack.
 */
function dumpValue(root: unknown, rootTwin: unknown): string | undefined {
  const stack: Frame[] = [];
  const open = new Set<object>(); // containers being written: meeting one again is a cycle
  let next: unknown = root;
  let nextTwin: unknown = rootTwin;
  let key = '';
  let hasNext = true;
  for (;;) {
    if (hasNext) {
      hasNext = false;
      const value = jsonValueOf(next, key);
      if (value !== null && typeof value === 'object') {
        if (open.has(value)) throw new TypeError('Converting circular structure to JSON');
        open.add(value);
        const keys = Array.isArray(value) ? undefined : Object.keys(value);
        const length = keys ? keys.length : (value as unknown[]).length;
        stack.push({ container: value, twin: nextTwin, keys, length, index: -1, parts: [] });
      } else {
        const text = dumpLeaf(value, nextTwin);
        if (stack.length === 0) return text;
        addMember(stack[stack.length - 1]!, text);
      }
    }
    const top = stack[stack.length - 1]!;
    top.index += 1;
    if (top.index < top.length) {
      key = top.keys ? top.keys[top.index]! : String(top.index);
      next = (top.container as Record<string, unknown>)[key];
      nextTwin = twinMember(top.twin, key);
      hasNext = true;
      continue;
    }
    stack.pop();
    open.delete(top.container);
    const text = top.keys ? `{${top.parts.join(', ')}}` : `[${top.parts.join(', ')}]`;
    if (stack.length === 0) return text;
    addMember(stack[stack.length - 1]!, text); // the parent's next member comes next turn
  }
}

/**
 * Serializes `value` as Python's `json.dumps` does by default: `{"a": 1, "b": [1, 2]}`,
 * non-ASCII characters escaped as `\uXXXX`. Like `JSON.stringify`, object properties whose
 * value is `undefined` (or a function) are left out, and `toJSON()` is honoured. Uses no
 * recursion: any depth is written.
 * @param numbers - the number twin of `value` (see `python-numbers.ts`): where it has a number
 *   literal of exactly the value found at the same place, Python's form of that literal is
 *   written (`1.0`, `12345678901234567890`) instead of JavaScript's (`1`, `12345678901234567000`).
 * @throws TypeError for a BigInt, a circular structure, or a top-level value with no JSON form.
 */
export function pythonJsonDumps(value: unknown, numbers?: unknown): string {
  const text = dumpValue(value, numbers);
  if (text === undefined) throw new TypeError(`Cannot serialize ${typeof value} as JSON`);
  return text;
}
