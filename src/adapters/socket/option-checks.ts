/**
 * Validation of the socket adapter's options, with messages that show what was given:
 * strings quoted and every value's type named (`got "4" (string)`, not `got 4`).
 */

/** Longest excerpt of a string option quoted back in an error message. */
const kQuoteMax = 40;

/** Describes a value for an error message: `"4" (string)`, `4.5 (number)`, `null`, `an object`. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'string':
      return `${JSON.stringify(value.length > kQuoteMax ? `${value.slice(0, kQuoteMax)}…` : value)} (string)`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `${String(value)} (${typeof value})`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return Array.isArray(value) ? 'an array' : 'an object';
  }
}

/**
 * Checks that an option is an integer within `[min, max]` and returns it.
 * @param owner - the class or function the option belongs to, for the message.
 * @throws TypeError naming the value and its type when it is not an integer number;
 *   RangeError when it is out of range.
 */
export function checkInteger(owner: string, name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${owner} option ${name} must be an integer, got ${describeValue(value)}`);
  }
  if (value < min || value > max) {
    throw new RangeError(`${owner} option ${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}
