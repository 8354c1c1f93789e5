// A text/event-stream client over fetch. Unlike EventSource it hands over every event
// whatever its type (a listener's messages have types chosen by whoever sends them), sends
// the bearer token as a header, and says why a stream stopped (a 404 is not worth retrying).
// Like EventSource, it reconnects after the server's `retry:` delay with `Last-Event-ID`, so
// that a resumable stream goes on where it was, without loss or duplicates.

import { apiUrl, authHeaders } from './api.js';

const kDefaultRetryMs = 3000;

/**
 * An incremental parser following the WHATWG rules: lines end with CRLF, CR or LF; `field:
 * value` loses one leading space; comments (`:`) are skipped; `data` lines join with LF; a
 * blank line dispatches an event that has data. `lastEventId` persists from event to event.
 */
export class EventStreamParser {
  #buffer = '';
  #type = '';
  #data = [];
  #onEvent;

  constructor(onEvent, lastEventId = '') {
    this.#onEvent = onEvent;
    /** The last `id:` seen. */
    this.lastEventId = lastEventId;
    /** The last `retry:` seen, in ms, or undefined. */
    this.retry = undefined;
  }

  /** Feeds decoded text; complete events go to the callback. */
  feed(text) {
    this.#buffer += text;
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    let match;
    while ((match = lineEnd.exec(this.#buffer)) !== null) {
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === this.#buffer.length - 1) break;
      this.#line(this.#buffer.slice(start, match.index));
      start = lineEnd.lastIndex;
    }
    this.#buffer = this.#buffer.slice(start);
  }

  #line(line) {
    if (line === '') {
      this.#dispatch();
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.#type = value;
    else if (field === 'data') this.#data.push(value);
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retry = Number(value);
  }

  #dispatch() {
    const type = this.#type || 'message';
    const data = this.#data;
    this.#type = '';
    this.#data = [];
    if (data.length === 0) return;
    this.#onEvent({ type, data: data.join('\n'), id: this.lastEventId });
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });
}

async function messageOf(response) {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text);
    if (parsed && typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: the status line says it
  }
  return `${response.status} ${response.statusText}`.trim();
}

/**
 * Opens the stream at `path` and keeps it open until `close()`:
 * - `onEvent({ type, data, id })` for each event (it may call `close()`);
 * - `onOpen()` each time a response starts;
 * - `onRetrying(reason, ms)` when the connection failed or ended and a retry is due;
 * - `onClosed({ status, message })` when the service refused the stream (4xx) or said it has
 *   ended (204): no retry.
 * Returns `{ close() }`.
 */
export function openEventStream(path, handlers) {
  const controller = new AbortController();
  let lastEventId = handlers.lastEventId ?? '';
  let retryMs = kDefaultRetryMs;
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    controller.abort();
  };

  async function connectOnce() {
    const headers = authHeaders({ accept: 'text/event-stream' });
    if (lastEventId) headers['last-event-id'] = lastEventId;
    const response = await fetch(apiUrl(path), { headers, signal: controller.signal, cache: 'no-store' });
    // 204: the server says there is nothing more, ever (the WHATWG rule): no retry.
    if (response.status === 204) return { fatal: { status: 204, message: 'the stream has ended' } };
    if (!response.ok) {
      const message = await messageOf(response);
      if (response.status >= 400 && response.status < 500) return { fatal: { status: response.status, message } };
      return { reason: message };
    }
    handlers.onOpen?.();
    const parser = new EventStreamParser((event) => {
      lastEventId = event.id;
      if (!closed) handlers.onEvent(event);
    }, lastEventId);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done || closed) break;
        parser.feed(value);
        if (parser.retry !== undefined) retryMs = parser.retry;
      }
    } finally {
      if (closed) reader.cancel().catch(() => undefined);
    }
    return { reason: 'the stream ended' };
  }

  (async () => {
    while (!closed) {
      let outcome;
      try {
        outcome = await connectOnce();
      } catch (error) {
        outcome = { reason: error instanceof Error ? error.message : String(error) };
      }
      if (closed) return;
      if (outcome.fatal) {
        closed = true;
        handlers.onClosed?.(outcome.fatal);
        return;
      }
      handlers.onRetrying?.(outcome.reason, retryMs);
      await pause(retryMs, controller.signal);
    }
  })();

  return { close };
}
