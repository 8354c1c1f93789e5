/**
 * Checks of user-supplied options, with messages that name the option, quote strings and
 * give the type: `maxWorkers must be a positive integer, got "4" (string)`.
 */

/** Describes a value for an error message without ever throwing: `"4" (string)`, `null`, `a function`. */
export function describeValue(value: unknown): string {
  try {
    switch (typeof value) {
      case 'string':
        return `${JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value)} (string)`;
      case 'number':
      case 'boolean':
      case 'bigint':
        return `${String(value)} (${typeof value})`;
      case 'undefined':
        return 'undefined';
      case 'symbol':
        return 'a symbol';
      case 'function':
        return 'a function';
      default:
        if (value === null) return 'null';
        if (Array.isArray(value)) return 'an array';
        return `an object${objectKind(value as object)}`;
    }
  } catch {
    return 'an unprintable value';
  }
}

function objectKind(value: object): string {
  const name = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof name === 'string' && name !== 'Object' && name.length > 0 ? ` (${name})` : '';
}

/**
 * The options object itself: `undefined` gives `{}`; anything but a plain object (say `null`)
 * is a TypeError naming `where`.
 */
export function optionsObject<T extends object>(where: string, options: T | undefined | null): T {
  if (options === undefined) return {} as T;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${where} options must be an object, got ${describeValue(options)}`);
  }
  return options;
}

/**
 * A positive integer option; otherwise a RangeError (also for a value of the wrong type, as
 * every option check here does, so that one `instanceof RangeError` catches them all).
 */
export function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new RangeError(`${name} must be a positive integer, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${describeValue(value)}`);
  return value;
}

/** A finite number option above `min` (or at least, with `inclusive`). */
export function finiteNumber(name: string, value: unknown, min: number, inclusive: boolean): number {
  const bound = `${inclusive ? '>=' : '>'} ${min}`;
  if (typeof value !== 'number') throw new RangeError(`${name} must be a finite number ${bound}, got ${describeValue(value)}`);
  if (!Number.isFinite(value) || (inclusive ? value < min : value <= min)) {
    throw new RangeError(`${name} must be a finite number ${bound}, got ${describeValue(value)}`);
  }
  return value;
}

/** A non-negative integer option. */
export function nonNegativeInteger(name: string, value: unknown): number {
  if (typeof value !== 'number') throw new RangeError(`${name} must be an integer >= 0, got ${describeValue(value)}`);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be an integer >= 0, got ${describeValue(value)}`);
  return value;
}
