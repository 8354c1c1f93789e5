import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The README's ```js blocks whose first line is `// file: NAME`, by file name. */
function readmeSnippets(): Map<string, string> {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const snippets = new Map<string, string>();
  for (const [, code] of readme.matchAll(/```js\n([\s\S]*?)```/g)) {
    const name = /^\/\/ file: (\S+)\n/.exec(code!)?.[1];
    if (name) snippets.set(name, code!);
  }
  return snippets;
}

// Inside the repository, so that `import ... from 'eric-sse'` resolves by self-reference.
const dir = mkdtempSync(path.join(repoRoot, '.readme-snippets-'));
const snippets = readmeSnippets();
for (const [name, code] of snippets) writeFileSync(path.join(dir, name), code);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function runSnippet(name: string): Promise<string> {
  const { stdout } = await run(process.execPath, [path.join(dir, name)], { cwd: dir, timeout: 20_000 });
  return stdout;
}

describe('README snippets run as written', () => {
  it('has the snippets this test knows', () => {
    expect([...snippets.keys()].sort()).toEqual(['bounded.js', 'channels.js', 'main.js', 'socket.js', 'square.js']);
  });

  it('channels.js: dispatch, broadcast and the stream end on the closed message', async () => {
    const out = await runSnippet('channels.js');
    expect(out).toContain('delivered: greeting');
    expect(out).toContain("event: 'greeting'");
    expect(out).toContain(`data: '{"to":"you"}'`);
    expect(out).toContain("event: 'news'");
    expect(out).toContain("event: '_eric_channel_closed'");
  });

  it('main.js + square.js: squares in dispatch order from worker threads', async () => {
    const out = await runSnippet('main.js');
    expect(out.trim().split('\n')).toEqual(Array.from({ length: 10 }, (_, i) => `n ${i * i}`));
  });

  it('bounded.js + square.js: a producer held back by a bounded queue, results in chunks', async () => {
    const out = await runSnippet('bounded.js');
    expect(out.trim()).toBe('sum of squares 333328333350000');
  });

  it('socket.js: a client creates, registers, dispatches and streams over a real socket', async () => {
    const out = await runSnippet('socket.js');
    expect(out).toContain("event: 'hello'");
    expect(out).toContain("from: 'socket'");
  });
});
