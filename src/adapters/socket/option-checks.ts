/**
 * Validation of the socket adapter's options, with messages that show what was given:
 * strings quoted and every value's type named (`got "4" (string)`, not `got 4`).
 */
import { describeValue } from '../../engine/validation.js';

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
