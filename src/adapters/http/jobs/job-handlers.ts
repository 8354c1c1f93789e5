/**
 * The handlers a service's jobs may run, by name: registered when the service starts
 * (`--handler name=path/to/module.js[#export]`), never loaded from a request, so that a client
 * can only pick among modules the operator chose.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InvalidMessageFormat } from '../../../engine/errors.js';
import { describeValue } from '../../../engine/validation.js';

/** One registered handler: the module (a `file:` URL) and the export to call. */
export interface JobHandler {
  /** The name clients pick it by. */
  readonly name: string;
  /** The module, as a `file:` URL. */
  readonly module: string;
  /** The module's export to call. */
  readonly exportName: string;
}

/**
 * Where a handler is: a module path (relative paths resolve against the working directory) or
 * a `file:` URL, optionally followed by `#exportName` (the default export otherwise).
 */
export type JobHandlerLocation = string | URL;

/** What a handler name may be: URL-safe, so that it fits in a query string unescaped. */
const kNamePattern = /^[A-Za-z0-9._~-]{1,64}$/;

/** Splits `module#export` and checks both; throws a TypeError naming `name` and what is wrong. */
function resolveLocation(name: string, location: JobHandlerLocation): JobHandler {
  let text: string;
  if (location instanceof URL) text = location.href;
  else if (typeof location === 'string' && location.length > 0) text = location;
  else throw new TypeError(`handler ${JSON.stringify(name)} must be a module path or file: URL, got ${describeValue(location)}`);
  const hash = text.lastIndexOf('#');
  const where = hash === -1 ? text : text.slice(0, hash);
  const exportName = hash === -1 ? 'default' : text.slice(hash + 1);
  if (!/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new TypeError(`handler ${JSON.stringify(name)}: ${JSON.stringify(exportName)} is not an export name (use module.js#exportName)`);
  }
  const url = where.startsWith('file:') ? new URL(where) : pathToFileURL(path.resolve(where));
  const file = fileURLToPath(url);
  if (!existsSync(file)) throw new TypeError(`handler ${JSON.stringify(name)}: no module at ${JSON.stringify(file)}`);
  return { name, module: url.href, exportName };
}

/**
 * Parses a command-line spec `name=path/to/module.js[#export]`; throws a TypeError naming
 * the spec and what is wrong.
 */
export function parseHandlerSpec(spec: string): { name: string; location: string } {
  const equals = spec.indexOf('=');
  if (equals <= 0 || equals === spec.length - 1) {
    throw new TypeError(`--handler expects name=path/to/module.js[#export], got ${JSON.stringify(spec)}`);
  }
  return { name: spec.slice(0, equals), location: spec.slice(equals + 1) };
}

/** The service's job handlers by name, in registration order. */
export class JobHandlers {
  readonly #handlers = new Map<string, JobHandler>();

  /**
   * @param handlers - name → module path or `file:` URL, with an optional `#exportName`.
   * @throws TypeError naming the handler when a name is not URL-safe, a module does not exist
   *   or an export name is malformed.
   */
  constructor(handlers: Record<string, JobHandlerLocation> = {}) {
    if (handlers === null || typeof handlers !== 'object' || Array.isArray(handlers)) {
      throw new TypeError(`handlers must be an object of name → module path, got ${describeValue(handlers)}`);
    }
    for (const [name, location] of Object.entries(handlers)) {
      if (!kNamePattern.test(name)) {
        throw new TypeError(`handler name ${JSON.stringify(name)} must be 1 to 64 letters, digits, ".", "_", "~" or "-"`);
      }
      this.#handlers.set(name, resolveLocation(name, location));
    }
  }

  /** The handler with this name; throws `InvalidMessageFormat` (a 400) naming it and the known ones. */
  get(name: string): JobHandler {
    const handler = this.#handlers.get(name);
    if (handler) return handler;
    const known = this.names();
    throw new InvalidMessageFormat(
      `handler: no handler named ${JSON.stringify(name)}; ${known.length === 0 ? 'none is registered (start the service with --handler name=module.js)' : `registered: ${known.join(', ')}`}`,
    );
  }

  /** Names of every handler, in registration order. */
  names(): string[] {
    return [...this.#handlers.keys()];
  }
}
