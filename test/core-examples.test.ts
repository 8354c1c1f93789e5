import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

async function example(path: string): Promise<string> {
  const { stdout } = await run(process.execPath, [path], { cwd: repoRoot, timeout: 20_000 });
  return stdout;
}

describe('core examples run to the end by themselves', () => {
  it('examples/distributed-app: alice and bob exchange hellos and acks, then close', async () => {
    const lines = (await example('examples/distributed-app/main.js')).trim().split('\n');
    expect(lines.filter((l) => l.startsWith('bob   <- hello '))).toEqual(['bob   <- hello     "Hi Bob"', 'bob   <- hello     "How is the queue today?"']);
    expect(lines.filter((l) => l.startsWith('alice <- hello_ack'))).toEqual(['alice <- hello_ack "Hi Bob!"', 'alice <- hello_ack "How is the queue today?!"']);
    expect(lines.filter((l) => l.includes('(channel closed)'))).toHaveLength(2);
    expect(lines.at(-1)).toBe('done; listeners left on the channel: 0');
  });

  it('examples/inmemory: dispatch, broadcast, deliverNext, stream and watch', async () => {
    const out = await example('examples/inmemory/main.js');
    expect(out).toContain(`{"event":"order","retry":3000,"data":{"id":2,"item":"cake"},"id":"evt-2"}`);
    expect(out).toContain(`watch got: {"event":"late","retry":3000,"data":"{\\"at\\":\\"later\\"}"}`);
    expect(out).toContain('plain still has: the closed message');
  });
});
