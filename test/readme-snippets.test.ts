import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createService, type ServiceOptions } from 'eric-sse';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** The README's ```js (```sh) blocks whose first line is `// file: NAME` (`# file: NAME`), by file name. */
function readmeSnippets(): Map<string, string> {
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const snippets = new Map<string, string>();
  for (const [, code] of readme.matchAll(/```(?:js|sh)\n([\s\S]*?)```/g)) {
    const name = /^(?:\/\/|#) file: (\S+)\n/.exec(code!)?.[1];
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

/**
 * Runs a snippet written against the service at 127.0.0.1:8000 (what `npm start` serves)
 * against one started for the test on a free port instead: the only change made to it.
 * `setup` lines run first (e.g. giving Node the browser's EventSource).
 */
async function runAgainstService(name: string, command: string, setup = '', options: ServiceOptions = {}): Promise<string> {
  const app = createService({ logLevel: 'silent', ...options });
  await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const { port } = app.server.address() as AddressInfo;
    const file = path.join(dir, `on-port-${name}`);
    writeFileSync(file, setup + snippets.get(name)!.replaceAll('127.0.0.1:8000', `127.0.0.1:${port}`));
    const { stdout } = await run(command, [file], { cwd: dir, timeout: 20_000 });
    return stdout;
  } finally {
    await app.close();
  }
}

describe('README snippets run as written', () => {
  it('has the snippets this test knows', () => {
    expect([...snippets.keys()].sort()).toEqual([
      'browser.js',
      'channels.js',
      'curl.sh',
      'http-writer.js',
      'jobs.sh',
      'main.js',
      'socket.js',
      'square.js',
    ]);
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

  it('socket.js: a client creates, registers, dispatches and streams over a real socket', async () => {
    const out = await runSnippet('socket.js');
    expect(out).toContain("event: 'hello'");
    expect(out).toContain("from: 'socket'");
  });

  it('curl.sh: create, subscribe, dispatch, broadcast, then the stream as text/event-stream', async () => {
    const out = await runAgainstService('curl.sh', 'bash');
    expect(out).toMatch(
      /^\{"channel_id":"demo"\}\nnull\nnull\nretry: 3000\n\nid: \w+-1\nevent: greeting\ndata: \{"to":"you"\}\n\nid: \w+-2\nevent: _eric_channel_closed\ndata: null\n\n$/,
    );
  });

  it('jobs.sh: a JSON job and an NDJSON upload, streamed with curl, with the handlers npm start registers', async () => {
    const handlers = path.join(repoRoot, 'examples', 'jobs', 'handlers.js');
    const options = { handlers: { cpu: `${handlers}#cpu`, primes: `${handlers}#primes`, square: `${handlers}#square` } };
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: { start: string } };
    for (const [name, where] of Object.entries(options.handlers)) {
      expect(manifest.scripts.start).toContain(`--handler ${name}=${path.relative(repoRoot, where.split('#')[0]!)}#${where.split('#')[1]}`);
    }
    const out = await runAgainstService('jobs.sh', 'bash', '', options);
    const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
    // The README shows the output under the snippet, with "..." for figures that vary.
    const shown = /# file: jobs\.sh[\s\S]*?```\n\nprints\n\n```text\n([\s\S]*?)```/.exec(readme)![1]!;
    const pattern = shown
      .split('...')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('\\d+');
    expect(out).toMatch(new RegExp(`^${pattern}$`));
  });

  it('browser.js: EventSource gets the event with its id, then the closed message', async () => {
    const setup = "import { EventSource } from 'eventsource';\nglobalThis.EventSource = EventSource;\n";
    const out = await runAgainstService('browser.js', process.execPath, setup);
    expect(out).toMatch(/^greeting \{ to: 'you' \} \w+-1\nclosed\n$/);
  });

  it('http-writer.js: writeEventStream from plain node:http, multi-line data, the closed message', async () => {
    const out = await runSnippet('http-writer.js');
    expect(out).toMatch(/retry: 3000\n\nid: \w+-1\nevent: greeting\ndata: "two\\nlines"\n\nid: \w+-2\nevent: _eric_channel_closed\ndata: null\n\n/);
    expect(out).toContain('stream ended: completed');
  });
});
