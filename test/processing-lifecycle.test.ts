import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, Message } from 'eric-sse';
import { collect, fixture, workerSetup } from './processing-helpers.js';

describe('DataProcessingChannel lifecycle', () => {
  it('lets a script that forgets close() exit by itself', async () => {
    const child = spawn(process.execPath, [fileURLToPath(fixture('forgets-close.js'))], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    // A generous guard against a hang: a process kept alive by the pool is a failure, not a wait.
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(guard);
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
    expect(stdout.trim()).toBe(`sum ${Array.from({ length: 100 }, (_, i) => i * i).reduce((a, b) => a + b)}`);
  });

  it('close() stops running streams and refuses new ones', async () => {
    const { channel, listener } = workerSetup('echo-handler.js');
    const stream = channel.processQueue(listener);
    const waiting = stream.next(); // empty queue: waits
    await channel.close();
    expect(await waiting).toEqual({ done: true, value: undefined });
    expect(() => channel.processQueue(listener)).toThrow(/closed/);
    await channel.close(); // idempotent
  });

  it('works with await using (Symbol.asyncDispose)', async () => {
    let escaped: DataProcessingChannel;
    {
      await using channel = new DataProcessingChannel({ maxWorkers: 1 });
      escaped = channel;
      const listener = channel.addListener();
      await channel.dispatch(listener.id, new Message('x', 1));
      expect(await collect(channel.processQueue(listener, { until: 'empty' }))).toEqual([{ event: 'x', data: 1 }]);
    }
    expect(() => escaped.processQueue(escaped.addListener())).toThrow(/closed/);
  });
});
