// examples/sockets runs by itself: server, receiver and sender in their own processes.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const runAll = fileURLToPath(new URL('../examples/sockets/run-all.js', import.meta.url));

describe('examples/sockets', () => {
  it('server, receiver and sender exchange messages, then the server stops on SIGTERM', async () => {
    const child = spawn(process.execPath, [runAll], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(0);
    expect(out).toContain('receiver: txt "Hi there!"');
    expect(out).toContain('receiver: txt "Bye!"');
    expect(out).toContain('receiver: done after 3 event(s)');
    expect(out).toContain('sender: ack');
    expect(out).toContain('server: stopped');
    expect(out).toMatch(/run-all: done\n$/);
  });
});
