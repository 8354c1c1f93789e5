// Runs the whole socket scenario non-interactively, each part in its own process:
// the server, a receiver waiting for 3 events, a sender sending 2 messages; then SIGTERM
// stops the server gracefully. `node examples/sockets/run-all.js`
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// This example takes no options: anything else on the command line is a mistake (exit 2).
if (process.argv.length > 2) {
  const [arg] = process.argv.slice(2);
  const usage = 'Usage: node examples/sockets/run-all.js (no options)';
  if (arg === '--help' || arg === '-h') console.log(usage);
  else console.error(`Unknown argument ${JSON.stringify(arg)}\n\n${usage}`);
  process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
}

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(os.tmpdir(), 'eric-sse-example-'));
const env = { ...process.env, SOCKET_PATH: path.join(dir, 'example.sock') };

/** Starts an example script, echoing its output; `waitFor` resolves with the first line matching. */
function run(script, args = []) {
  const child = spawn(process.execPath, [path.join(here, script), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  const waiters = [];
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + 1);
      console.log(line);
      for (const waiter of waiters.filter((w) => w.pattern.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line.match(waiter.pattern));
      }
    }
  });
  const exited = once(child, 'exit').then(([code]) => code);
  const waitFor = (pattern) => new Promise((resolve) => waiters.push({ pattern, resolve }));
  return { child, exited, waitFor };
}

try {
  const server = run('server.js');
  const [, channelId] = await server.waitFor(/^channel: (\S+)/);
  const receiver = run('receiver.js', [channelId, '3']);
  await receiver.waitFor(/^receiver: registered/);
  for (const text of ['Hi there!', 'Bye!']) {
    const sender = run('sender.js', [channelId, text]);
    if ((await sender.exited) !== 0) throw new Error('sender failed');
  }
  // The third event is the receiver's last: it leaves its loop, which closes its connection.
  const last = run('sender.js', [channelId, 'last one']);
  await last.exited;
  if ((await receiver.exited) !== 0) throw new Error('receiver failed');
  server.child.kill('SIGTERM');
  if ((await server.exited) !== 0) throw new Error('server failed');
  console.log('run-all: done');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
