/** Pieces shared by the commands: the usage error and argument checks. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A command-line mistake: reported with the usage hint and exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A whole number given as `flag`'s value, or `undefined` when the flag was not given. */
export function parseCount(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,15}$/.test(text)) throw new UsageError(`${flag} expects a whole number, got ${JSON.stringify(text)}`);
  return Number(text);
}

/** Writes to stdout or stderr; what a command's run gets, so that it can be tested in-process. */
export interface Output {
  out(text: string): void;
  err(text: string): void;
}

/** Parsed flags, as `util.parseArgs` gives them. */
export type FlagValues = Record<string, string | string[] | boolean | undefined>;

/** A flag's string value, or `undefined`. */
export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

/** The flags `parseFlags` gives for `options`. */
type ParsedFlags<T extends NonNullable<ParseArgsConfig['options']>> = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: T }>
>['values'];

/**
 * A command's flags, parsed strictly: an unknown option, a missing value or (unless `--help`
 * was asked for) a stray argument is a `UsageError` naming it.
 */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T): ParsedFlags<T> {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options });
  } catch (error) {
    throw argsError(error);
  }
  const { values, positionals } = parsed;
  if (positionals.length > 0 && (values as FlagValues)['help'] !== true) {
    throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`);
  }
  return values;
}

/**
 * A `util.parseArgs` failure as a usage error, worded briefly: `unknown option "--bogus"`
 * rather than parseArgs' advice about positionals.
 */
export function argsError(error: unknown): UsageError {
  const message = error instanceof Error ? error.message : String(error);
  const unknown = /^Unknown option '([^']*)'/.exec(message);
  if (unknown) return new UsageError(`unknown option ${JSON.stringify(unknown[1])}`);
  const missing = /^Option '(?:-\w, )?(--[\w-]+) <value>' argument missing/.exec(message);
  if (missing) return new UsageError(`${missing[1]} needs a value`);
  return new UsageError(message);
}
