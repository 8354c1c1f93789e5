/**
 * Framing of the `text/event-stream` format (WHATWG HTML, "Server-sent events"): turns events
 * into the exact bytes a browser's `EventSource` parses, and refuses anything that could inject
 * a field or end an event early.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#parsing-an-event-stream
 */

/** One event to send. Every field is optional; an event with none is not sent. */
export interface StreamEvent {
  /** The event type (`event:` field); a browser dispatches it under this name, `message` when absent. */
  event?: string;
  /**
   * The event's data, already serialised (use `JSON.stringify` for objects). Line breaks
   * (CR, LF, CRLF) split it into several `data:` lines, which the client joins back with LF.
   */
  data?: string;
  /** The event id (`id:` field): what the client sends back as `Last-Event-ID` on reconnect. */
  id?: string;
}

/** Every line break the format knows: CRLF, lone CR, lone LF. */
const kLineBreak = /\r\n|\r|\n/;
const kAnyLineBreak = /[\r\n]/;

/**
 * Throws a `TypeError` naming the field when `value` cannot be one field line: a line break
 * would end the field (and inject whatever follows), and a NUL in an id makes browsers ignore it.
 */
function assertFieldValue(field: 'event' | 'id', value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new TypeError(`The event's ${field} must be a string, got ${typeof value}`);
  }
  if (kAnyLineBreak.test(value)) {
    throw new TypeError(`The event's ${field} must not contain a line break, got ${JSON.stringify(value)}`);
  }
  if (field === 'id' && value.includes('\0')) {
    throw new TypeError(`The event's id must not contain NUL, got ${JSON.stringify(value)}`);
  }
}

/**
 * Frames one event: `id:`, `event:` and one `data:` line per line of `data`, then the blank
 * line that dispatches it. Throws a `TypeError` naming the field for an `event` or `id` that
 * contains a line break (or an id with NUL), and for `data` that is not a string.
 *
 * @example formatEvent({ event: 'greeting', data: 'a\nb', id: '7' })
 * // 'id: 7\nevent: greeting\ndata: a\ndata: b\n\n'
 */
export function formatEvent(event: StreamEvent): string {
  let text = '';
  if (event.id !== undefined) {
    assertFieldValue('id', event.id);
    text += `id: ${event.id}\n`;
  }
  if (event.event !== undefined) {
    assertFieldValue('event', event.event);
    text += `event: ${event.event}\n`;
  }
  if (event.data !== undefined) {
    if (typeof event.data !== 'string') {
      throw new TypeError(`The event's data must be a string (serialise it first, e.g. with JSON.stringify), got ${typeof event.data}`);
    }
    if (!kAnyLineBreak.test(event.data)) text += `data: ${event.data}\n`; // the usual case: one line, no array
    else for (const line of event.data.split(kLineBreak)) text += `data: ${line}\n`;
  }
  return text === '' ? '' : `${text}\n`;
}

/**
 * The `retry:` field alone: the reconnection time, in milliseconds, a browser waits before it
 * reconnects. Throws a `RangeError` unless `ms` is an integer >= 0.
 */
export function formatRetry(ms: number): string {
  if (!Number.isInteger(ms) || ms < 0) throw new RangeError(`retry must be an integer number of milliseconds >= 0, got ${String(ms)}`);
  return `retry: ${ms}\n\n`;
}

/**
 * A comment, which clients ignore: keeps an idle connection (and proxies) alive. Line breaks
 * in `text` start new comment lines, so a comment never turns into a field.
 */
export function formatComment(text = ''): string {
  return `${text
    .split(kLineBreak)
    .map((line) => `:${line === '' ? '' : ` ${line}`}\n`)
    .join('')}\n`;
}
