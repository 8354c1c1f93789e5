import type { Writable } from 'node:stream';

/**
 * Resolves once `stream` can take more writes (`drain`), or will never take any (`close`,
 * `error`), or `signal` aborts: a wait for a slow reader that always ends. Never rejects; the
 * caller looks at the stream's state afterwards.
 */
export function drained(stream: Writable, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      stream.off('drain', done);
      stream.off('close', done);
      stream.off('error', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
    stream.on('error', done);
    signal?.addEventListener('abort', done);
  });
}
