// The event-stream framing: exact bytes, line breaks of every kind split into data lines, and
// no way to inject a field or an event through a type, an id or a payload.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatComment, formatEvent, formatRetry } from 'eric-sse';
import { parseEventStream } from './http-helpers.js';

describe('formatEvent', () => {
  it('writes id, event and data fields, then the blank line', () => {
    expect(formatEvent({ id: '7', event: 'greeting', data: '{"to":"you"}' })).toBe('id: 7\nevent: greeting\ndata: {"to":"you"}\n\n');
    expect(formatEvent({ data: 'x' })).toBe('data: x\n\n');
    expect(formatEvent({})).toBe('');
  });

  it('splits data on LF, CR and CRLF into several data lines', () => {
    expect(formatEvent({ data: 'a\nb\rc\r\nd' })).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
    expect(formatEvent({ data: '' })).toBe('data: \n\n');
    expect(formatEvent({ data: '\n' })).toBe('data: \ndata: \n\n');
  });

  it('keeps a leading space of a data line (only the one after the colon is stripped)', () => {
    expect(parseEventStream(formatEvent({ data: ' x\n  y' })).events[0]!.data).toBe(' x\n  y');
  });

  it('refuses an event type or id with a line break, naming the field', () => {
    expect(() => formatEvent({ event: 'a\ndata: injected', data: 'x' })).toThrow(
      new TypeError(`The event's event must not contain a line break, got "a\\ndata: injected"`),
    );
    expect(() => formatEvent({ event: 'a\rb' })).toThrow(/event must not contain a line break/);
    expect(() => formatEvent({ id: '1\r\nevent: x' })).toThrow(/id must not contain a line break/);
    expect(() => formatEvent({ id: 'a\0b' })).toThrow(/id must not contain NUL/);
  });

  it('refuses data that is not a string, naming its type', () => {
    expect(() => formatEvent({ data: 42 as unknown as string })).toThrow(/data must be a string .*got number/);
  });

  it('round-trips through a spec-following parser: whatever the data, exactly one event comes out', () => {
    const text = fc.string({ unit: fc.constantFrom('a', 'é', '€', '😀', '\n', '\r', ':', ' ', 'data: ', 'event: x', '\0') });
    const name = fc.string({ unit: fc.constantFrom('a', 'b', '_', '-', ':', ' ', 'é') }).filter((s) => s.length > 0);
    fc.assert(
      fc.property(name, text, fc.integer({ min: 0, max: 1e9 }), (event, data, n) => {
        const parsed = parseEventStream(formatEvent({ event, data, id: String(n) }) + formatEvent({ event: 'next', data: 'x' }));
        expect(parsed.rest).toBe('');
        expect(parsed.events).toEqual([
          { event, data: data.replace(/\r\n|\r/g, '\n'), id: String(n) },
          { event: 'next', data: 'x', id: String(n) },
        ]);
      }),
    );
  });
});

describe('formatRetry and formatComment', () => {
  it('retry is a field of its own, an integer of milliseconds', () => {
    expect(formatRetry(3000)).toBe('retry: 3000\n\n');
    expect(parseEventStream(formatRetry(3000)).retry).toBe(3000);
    expect(() => formatRetry(-1)).toThrow(RangeError);
    expect(() => formatRetry(1.5)).toThrow(/retry must be an integer number of milliseconds >= 0, got 1.5/);
  });

  it('a comment stays a comment, whatever line breaks it contains', () => {
    expect(formatComment()).toBe(':\n\n');
    expect(formatComment('hi\ndata: x\revent: y')).toBe(': hi\n: data: x\n: event: y\n\n');
    expect(parseEventStream(formatComment('hi\ndata: x')).events).toEqual([]);
  });
});
