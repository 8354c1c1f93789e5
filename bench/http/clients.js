// The HTTP benchmark's clients, in a child process of their own (forked by http.bench.js),
// so that the server's process measures only itself. Lean raw clients on node:net: one GET
// per connection, chunked transfer decoding and event-stream parsing by hand, no per-event
// allocation beyond the event's text.
//
// Protocol (IPC): the parent sends `{ type: 'connect', port, paths, events, stall }`; the
// child opens one connection per path (in waves), and answers `{ type: 'ready' }` once every
// connection has its headers and first event-stream block (`retry:`). Then it counts `tick`
// events (data `{ seq, t }`): each client must get seq 0, 1, … in order; it answers
// `{ type: 'done', stats }` once every client (but the stalled one, which stops reading once
// ready) has `events` ticks, or at `{ type: 'report' }` (the parent's time bound). `{ type:
// 'close' }` ends every connection and the process.
import net from 'node:net';

const kWave = 100;
const kHeadEnd = '\r\n\r\n';

/** Microseconds on the machine's monotonic clock (the server's clock too). */
function nowUs() {
  return Number(process.hrtime.bigint() / 1000n);
}

let clients = [];
let expected = 0;
let stallIndex = -1;
let latencies = new Float64Array(0);
let samples = 0;
let complete = 0;
let lastReceiveUs = 0;
let reported = false;
/** Wakes the connecting loop: a client got ready, or closed. */
let wakeWave = () => undefined;
const problems = [];

function problem(text) {
  if (problems.length < 20) problems.push(text);
}

/** One connection: its parser state and its tally. */
class Client {
  constructor(index, port, path, onReady) {
    this.index = index;
    this.raw = '';
    this.text = '';
    this.inHead = true;
    this.chunked = false;
    this.chunkLeft = -1; // -1: a size line is next; -2: the CRLF after a chunk is next
    this.ready = false;
    this.nextSeq = 0;
    this.ended = false;
    this.onReady = onReady;
    this.socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
    this.socket.setEncoding('latin1');
    this.socket.on('connect', () => {
      this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\n\r\n`);
    });
    this.socket.on('data', (data) => this.#onData(data));
    this.socket.on('error', (error) => problem(`client ${index}: ${error.message}`));
    this.socket.on('close', () => {
      if (!this.ended && !closing) problem(`client ${index}: connection closed after ${this.nextSeq} events`);
      this.ended = true;
      wakeWave();
    });
  }

  #onData(data) {
    this.raw += data;
    if (this.inHead) {
      const end = this.raw.indexOf(kHeadEnd);
      if (end === -1) return;
      const head = this.raw.slice(0, end).toLowerCase();
      if (!head.startsWith('http/1.1 200')) problem(`client ${this.index}: ${head.split('\r\n')[0]}`);
      this.chunked = head.includes('\r\ntransfer-encoding: chunked');
      this.raw = this.raw.slice(end + kHeadEnd.length);
      this.inHead = false;
    }
    if (this.chunked) this.#dechunk();
    else {
      this.text += this.raw;
      this.raw = '';
    }
    this.#parseEvents();
  }

  /** Moves the payload of complete (or partial) chunks from `raw` to `text`. */
  #dechunk() {
    for (;;) {
      if (this.chunkLeft === -1) {
        const end = this.raw.indexOf('\r\n');
        if (end === -1) return;
        this.chunkLeft = Number.parseInt(this.raw.slice(0, end), 16);
        this.raw = this.raw.slice(end + 2);
        if (this.chunkLeft === 0) {
          this.ended = true;
          return;
        }
      }
      if (this.chunkLeft === -2) {
        if (this.raw.length < 2) return;
        this.raw = this.raw.slice(2);
        this.chunkLeft = -1;
        continue;
      }
      if (this.raw.length === 0) return;
      const take = Math.min(this.chunkLeft, this.raw.length);
      this.text += take === this.raw.length ? this.raw : this.raw.slice(0, take);
      this.raw = take === this.raw.length ? '' : this.raw.slice(take);
      this.chunkLeft -= take;
      if (this.chunkLeft === 0) this.chunkLeft = -2;
    }
  }

  #parseEvents() {
    let start = 0;
    for (let end = this.text.indexOf('\n\n'); end !== -1; end = this.text.indexOf('\n\n', start)) {
      this.#onBlock(this.text.slice(start, end));
      start = end + 2;
    }
    if (start > 0) this.text = this.text.slice(start);
  }

  #onBlock(block) {
    if (!this.ready) {
      this.ready = true;
      this.onReady(this);
      if (this.index === stallIndex) this.socket.pause(); // stops reading: the server's writes pile up
    }
    if (block.startsWith(':')) return;
    // Fields as the spec reads them: `name:value`, one optional space after the colon.
    let event = '';
    let data;
    for (const line of block.split('\n')) {
      const colon = line.indexOf(':');
      const value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
      if (line.startsWith('event:')) event = value;
      else if (line.startsWith('data:')) data = value;
    }
    if (event !== 'tick') return;
    if (data === undefined) return problem(`client ${this.index}: a tick without data: ${JSON.stringify(block)}`);
    const { seq, t } = JSON.parse(data);
    const now = nowUs();
    if (seq !== this.nextSeq) problem(`client ${this.index}: got seq ${seq}, expected ${this.nextSeq}`);
    this.nextSeq = seq + 1;
    if (this.index === stallIndex) return;
    if (samples < latencies.length) latencies[samples++] = now - t;
    lastReceiveUs = now;
    if (this.nextSeq === expected) {
      complete += 1;
      if (complete === clients.length - (stallIndex >= 0 ? 1 : 0)) report('done');
    }
  }
}

let closing = false;

function percentileOf(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function report(type) {
  if (reported) return;
  reported = true;
  const measured = clients.filter((client) => client.index !== stallIndex);
  const received = measured.reduce((sum, client) => sum + client.nextSeq, 0);
  const sorted = latencies.slice(0, samples).sort();
  process.send({
    type,
    stats: {
      clients: measured.length,
      received,
      lost: measured.length * expected - received,
      problems,
      lastReceiveUs,
      p50Ms: percentileOf(sorted, 50) / 1000,
      p99Ms: percentileOf(sorted, 99) / 1000,
      maxMs: sorted.length > 0 ? sorted[sorted.length - 1] / 1000 : Number.NaN,
      stalledGot: stallIndex >= 0 ? clients[stallIndex].nextSeq : null,
    },
  });
}

async function connectAll(port, paths) {
  clients = [];
  let readyCount = 0;
  const onReady = () => {
    readyCount += 1;
    wakeWave();
  };
  for (let i = 0; i < paths.length; i += kWave) {
    const wave = Math.min(paths.length, i + kWave);
    for (let k = i; k < wave; k += 1) clients.push(new Client(k, port, paths[k], onReady));
    // Next wave once this one is streaming: a burst of 1,000 SYNs is not what is measured.
    while (readyCount < wave) {
      if (clients.every((client) => client.ready || client.ended)) break;
      await new Promise((resolve) => (wakeWave = resolve));
    }
  }
}

process.on('message', async (message) => {
  if (message.type === 'connect') {
    expected = message.events;
    stallIndex = message.stall;
    latencies = new Float64Array(message.paths.length * message.events);
    const start = performance.now();
    await connectAll(message.port, message.paths);
    process.send({ type: 'ready', ms: performance.now() - start, problems });
    if (expected === 0) reported = true;
  } else if (message.type === 'report') {
    report('timeout');
  } else if (message.type === 'close') {
    closing = true;
    for (const client of clients) client.socket.destroy();
    process.disconnect();
  }
});

// The benchmark is gone (ended or killed): so are its clients.
process.on('disconnect', () => process.exit(0));
