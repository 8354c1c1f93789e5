import { describe, expect, it } from 'vitest';
import {
  InvalidMessageFormat,
  Message,
  MESSAGE_TYPE_CLOSED,
  MESSAGE_TYPE_END_OF_STREAM,
  MESSAGE_TYPE_INTERNAL_ERROR,
  SignedMessage,
  UniqueMessage,
} from 'eric-sse';

describe('reserved message types', () => {
  it('have the seed-compatible values', () => {
    expect(MESSAGE_TYPE_CLOSED).toBe('_eric_channel_closed');
    expect(MESSAGE_TYPE_END_OF_STREAM).toBe('_eric_channel_eof');
    expect(MESSAGE_TYPE_INTERNAL_ERROR).toBe('_eric_error');
  });
});

describe('Message', () => {
  it('keeps its type and payload', () => {
    const msg = new Message('greeting', { text: 'hi', n: [1, 2.5, null, true] });
    expect(msg.type).toBe('greeting');
    expect(msg.payload).toEqual({ text: 'hi', n: [1, 2.5, null, true] });
  });

  it('has an undefined payload when none is given', () => {
    expect(new Message('ping').payload).toBeUndefined();
  });

  it.each([[''], [undefined], [null], [42], [{}]])('rejects the type %j with InvalidMessageFormat', (type) => {
    expect(() => new Message(type as unknown as string)).toThrow(InvalidMessageFormat);
    expect(() => new Message(type as unknown as string)).toThrow(/Message type must be a non-empty string/);
  });
});

describe('SignedMessage', () => {
  it('is a Message that names its sender', () => {
    const msg = new SignedMessage('alice', 'hello', 'hi bob');
    expect(msg).toBeInstanceOf(Message);
    expect(msg.senderId).toBe('alice');
    expect(msg.type).toBe('hello');
    expect(msg.payload).toBe('hi bob');
  });

  it('has an undefined payload when none is given', () => {
    expect(new SignedMessage('alice', 'ping').payload).toBeUndefined();
  });

  it('rejects an empty or missing sender id', () => {
    expect(() => new SignedMessage('', 'hello')).toThrow(InvalidMessageFormat);
    expect(() => new SignedMessage(undefined as unknown as string, 'hello')).toThrow(/senderId must be a non-empty string/);
  });

  it('rejects an invalid type', () => {
    expect(() => new SignedMessage('alice', '')).toThrow(InvalidMessageFormat);
  });
});

describe('UniqueMessage', () => {
  it('wraps a message with an id, exposing its type and payload', () => {
    const msg = new UniqueMessage('id-1', new Message('news', [1, 2]));
    expect(msg.id).toBe('id-1');
    expect(msg.type).toBe('news');
    expect(msg.payload).toEqual([1, 2]);
    expect(msg.senderId).toBeUndefined();
  });

  it('takes the sender from the options argument', () => {
    expect(new UniqueMessage('id-1', new Message('news'), 'carol').senderId).toBe('carol');
  });

  it('defaults the sender to that of a wrapped SignedMessage', () => {
    expect(new UniqueMessage('id-1', new SignedMessage('alice', 'news')).senderId).toBe('alice');
    expect(new UniqueMessage('id-1', new SignedMessage('alice', 'news'), 'bob').senderId).toBe('bob');
  });

  it('wraps any MessageContract, not only Message', () => {
    const msg = new UniqueMessage('id-2', { type: 'plain', payload: 'object' });
    expect([msg.type, msg.payload]).toEqual(['plain', 'object']);
  });

  it('rejects an empty id', () => {
    expect(() => new UniqueMessage('', new Message('news'))).toThrow(/UniqueMessage id must be a non-empty string/);
  });

  it('rejects something that is not a message', () => {
    expect(() => new UniqueMessage('id', null as never)).toThrow(InvalidMessageFormat);
    expect(() => new UniqueMessage('id', { payload: 1 } as never)).toThrow(InvalidMessageFormat);
  });
});
