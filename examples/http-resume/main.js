// A client of the HTTP service drops its stream mid-way, comes back with Last-Event-ID and
// gets exactly what it missed, then the live stream; an id the service does not know gets the
// explicit "events lost" notice instead of a silent gap.
//
//   node examples/http-resume/main.js
import { createService, MESSAGE_TYPE_EVENTS_LOST } from 'eric-sse';

// This example takes no options: anything else on the command line is a mistake (exit 2).
if (process.argv.length > 2) {
  const [arg] = process.argv.slice(2);
  const usage = 'Usage: node examples/http-resume/main.js (no options)';
  if (arg === '--help' || arg === '-h') console.log(usage);
  else console.error(`Unknown argument ${JSON.stringify(arg)}\n\n${usage}`);
  process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
}

const app = createService({ logLevel: 'warn' });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${app.server.address().port}`;

async function call(method, path, body) {
  const init = { method };
  if (body !== undefined) Object.assign(init, { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
  return (await fetch(base + path, init)).json();
}

/** Reads `count` events of a stream, then drops the connection; returns them. */
async function readEvents(path, count, lastEventId) {
  const controller = new AbortController();
  const headers = lastEventId ? { 'last-event-id': lastEventId } : {};
  const response = await fetch(base + path, { headers, signal: controller.signal });
  const events = [];
  let text = '';
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    let end;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
      if (fields.data !== undefined) events.push({ id: fields.id, event: fields.event, data: fields.data });
    }
    if (events.length >= count) break;
  }
  controller.abort(); // the client goes away: the service stops the listener, which keeps its queue
  return events.slice(0, count);
}

const { channel_id: c } = await call('PUT', '/create');
const { listener_id: l } = await call('POST', `/subscribe?channel_id=${c}`);
const stream = `/stream/${c}/${l}`;
for (let n = 1; n <= 5; n += 1) await call('POST', `/dispatch?channel_id=${c}&listener_id=${l}`, { type: 'n', payload: n });

const first = await readEvents(stream, 3);
console.log('first connection:', first.map((e) => `${e.data} (id ${e.id})`).join(', '));

for (let n = 6; n <= 7; n += 1) await call('POST', `/dispatch?channel_id=${c}&listener_id=${l}`, { type: 'n', payload: n });
const resumed = await readEvents(stream, 4, first.at(-1).id);
console.log('resumed after', first.at(-1).id + ':', resumed.map((e) => e.data).join(', '));

const [lost] = await readEvents(stream, 1, 'not-an-id-of-this-service');
console.log(`unknown id: ${lost.event === MESSAGE_TYPE_EVENTS_LOST ? lost.event : 'no notice?!'} ${lost.data}`);

await app.close();
