/**
 * JSON text formatted byte for byte as Python's `json.dumps(value)` with its defaults
 * (`separators=(', ', ': ')`, `ensure_ascii=True`), which is what Python `eric_sse` writes
 * on the socket. Any JSON parser reads it; matching the bytes keeps recorded sessions,
 * tests and line-oriented tools identical whichever side (Python or Node) is talking.
 */

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

function dumpValue(value: unknown, seen: Set<object>): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return dumpString(value);
    case 'number':
      // Python writes NaN/Infinity as bare words that are not JSON; null keeps the line parseable.
      return Number.isFinite(value) ? JSON.stringify(value) : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    default:
      break;
  }
  const object = value as { toJSON?: () => unknown };
  if (typeof object.toJSON === 'function') return dumpValue(object.toJSON(), seen);
  if (seen.has(object)) throw new TypeError('Converting circular structure to JSON');
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      const items = object.map((item: unknown) => dumpValue(item, seen) ?? 'null');
      return `[${items.join(', ')}]`;
    }
    const entries: string[] = [];
    for (const [key, item] of Object.entries(object)) {
      const text = dumpValue(item, seen);
      if (text !== undefined) entries.push(`${dumpString(key)}: ${text}`);
    }
    return `{${entries.join(', ')}}`;
  } finally {
    seen.delete(object);
  }
}

/**
 * Serializes `value` as Python's `json.dumps` does by default: `{"a": 1, "b": [1, 2]}`,
 * non-ASCII characters escaped as `\uXXXX`. Like `JSON.stringify`, object properties whose
 * value is `undefined` (or a function) are left out, and `toJSON()` is honoured.
 * @throws TypeError for a BigInt, a circular structure, or a top-level value with no JSON form.
 */
export function pythonJsonDumps(value: unknown): string {
  const text = dumpValue(value, new Set());
  if (text === undefined) throw new TypeError(`Cannot serialize ${typeof value} as JSON`);
  return text;
}
