/** `--handler MODULE[#EXPORT]`: a handler module given on the command line, checked before any thread starts. */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './usage.js';

/** A handler module and the export to call. */
export interface HandlerSpec {
  /** The module, as a `file:` URL. */
  url: URL;
  /** The export to call; `undefined` for the default export. */
  exportName: string | undefined;
}

/**
 * Parses `MODULE[#EXPORT]`: MODULE is a path (relative to the working directory) or a
 * `file:` URL. A missing file, or a TypeScript file (which Node 20 cannot load in a worker
 * thread), is a usage error that says what to do.
 */
export function parseHandlerSpec(flag: string, text: string): HandlerSpec {
  const hash = text.lastIndexOf('#');
  const modulePart = hash >= 0 ? text.slice(0, hash) : text;
  const exportName = hash >= 0 ? text.slice(hash + 1) : undefined;
  if (modulePart === '') throw new UsageError(`${flag} expects MODULE[#EXPORT] such as ./transform.js#clean, got ${JSON.stringify(text)}`);
  if (exportName !== undefined && !/^[A-Za-z_$][\w$]*$/.test(exportName)) {
    throw new UsageError(`${flag}: ${JSON.stringify(exportName)} is not an export name (after "#" in ${JSON.stringify(text)})`);
  }
  let file: string;
  try {
    file = modulePart.startsWith('file:') ? fileURLToPath(modulePart) : path.resolve(modulePart);
  } catch (error) {
    throw new UsageError(`${flag}: ${JSON.stringify(modulePart)} is not a file path or file: URL (${(error as Error).message})`);
  }
  if (/\.(?:c|m)?tsx?$/.test(file)) {
    throw new UsageError(
      `${flag}: ${JSON.stringify(modulePart)} is TypeScript, which Node 20 cannot load in worker threads; ` +
        'compile it first (tsc) and pass the .js file (see "Handlers in TypeScript" in the README)',
    );
  }
  if (!existsSync(file) || !statSync(file).isFile()) throw new UsageError(`${flag}: no such file ${JSON.stringify(modulePart)} (resolved to ${file})`);
  return { url: pathToFileURL(file), exportName: exportName === 'default' ? undefined : exportName };
}
