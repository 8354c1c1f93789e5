import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { Message, SSEChannel } from 'eric-sse';

const run = promisify(execFile);
const fixture = fileURLToPath(new URL('./fixtures/core/stream-churn-heap.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

// A listener lives long; streams and waits on it come and go (SSE clients reconnect,
// processQueue waits once per lull). None may leave anything behind on the listener.
// AbortSignal.any did on Node 20 (about 70 bytes per stream, 50 per wait, 140 per fallback
// message: 5 to 14 MB per 100,000); the bound of 2 MB is far from both that and from noise.
describe('churning streams on one long-lived listener', () => {
  it.each([['streams'], ['waits'], ['fallback']])('keeps the heap flat over 100,000 %s', async (mode) => {
    const { stdout } = await run(process.execPath, ['--expose-gc', fixture, mode, '100000'], { cwd: repoRoot });
    const { growthBytes } = JSON.parse(stdout.trim()) as { growthBytes: number };
    expect(growthBytes).toBeLessThan(2_000_000);
  });

  it('runs many concurrent streams of one listener without a MaxListenersExceededWarning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const channel = new SSEChannel();
      const listener = channel.addListener();
      listener.startSync();
      const streams = Array.from({ length: 50 }, () => channel.messageStream(listener));
      const firsts = streams.map((stream) => stream.next());
      await new Promise((resolve) => setImmediate(resolve));
      for (let i = 0; i < 50; i += 1) await channel.dispatch(listener.id, new Message('m', i));
      expect((await Promise.all(firsts)).every((r) => !r.done)).toBe(true);
      await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
      listener.stopSync();
    } finally {
      process.off('warning', onWarning);
    }
  });
});
