import { describe, expect, it } from 'vitest';
import { AbstractChannel, Message, SignedMessage, SSEChannel, UniqueMessage, type Payload } from 'eric-sse';

describe('SSEChannel', () => {
  it('is an AbstractChannel with retryTimeoutMilliseconds 5 by default', () => {
    const channel = new SSEChannel();
    expect(channel).toBeInstanceOf(AbstractChannel);
    expect(channel.retryTimeoutMilliseconds).toBe(5);
    expect(channel.streamDelaySeconds).toBe(0);
  });

  it('takes retryTimeoutMilliseconds and the channel options', () => {
    const channel = new SSEChannel({ retryTimeoutMilliseconds: 3000, streamDelaySeconds: 2 });
    expect(channel.retryTimeoutMilliseconds).toBe(3000);
    expect(channel.streamDelaySeconds).toBe(2);
    expect(channel.adapt(new Message('x')).retry).toBe(3000);
  });

  it.each([[-1], [1.5], [Number.NaN], ['5']])('rejects retryTimeoutMilliseconds %j with a RangeError', (value) => {
    expect(() => new SSEChannel({ retryTimeoutMilliseconds: value as number })).toThrow(RangeError);
    expect(() => new SSEChannel({ retryTimeoutMilliseconds: value as number })).toThrow(/retryTimeoutMilliseconds must be an integer >= 0/);
  });

  it('streams the default SSE output: event, retry and the payload as is (the seed scenario)', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    await listener.start();
    await channel.dispatch(listener.id, new Message('test', { a: 1 }));
    const { value } = await channel.messageStream(listener).next();
    expect(value).toEqual({ event: 'test', retry: 5, data: { a: 1 } });
    expect(value).not.toHaveProperty('id');
  });

  it('applies payloadAdapter = JSON.stringify to the data (the seed scenario)', async () => {
    const channel = new SSEChannel();
    channel.payloadAdapter = JSON.stringify;
    const listener = channel.addListener();
    await listener.start();
    await channel.dispatch(listener.id, new Message('test', { a: 1, b: [true, null] }));
    const { value } = await channel.messageStream(listener).next();
    expect(value).toEqual({ event: 'test', retry: 5, data: '{"a":1,"b":[true,null]}' });
  });

  it('has an identity payloadAdapter by default', () => {
    const payload: Payload = { nested: { list: [1, 'two'] } };
    expect(new SSEChannel().payloadAdapter(payload)).toBe(payload);
  });

  it('takes any payloadAdapter', () => {
    const channel = new SSEChannel();
    channel.payloadAdapter = (payload) => `<${String(payload)}>`;
    expect(channel.adapt(new Message('t', 7)).data).toBe('<7>');
  });

  it('adds the id of a UniqueMessage', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new UniqueMessage('msg-42', new Message('news', 'extra')));
    const { value } = await channel.messageStream(listener).next();
    expect(value).toEqual({ event: 'news', retry: 5, data: 'extra', id: 'msg-42' });
  });

  it('adapts a SignedMessage like any message (the sender is not an SSE field)', () => {
    expect(new SSEChannel().adapt(new SignedMessage('alice', 'hi', 1))).toEqual({ event: 'hi', retry: 5, data: 1 });
  });

  it('adapts an undefined payload to undefined data', () => {
    expect(new SSEChannel().adapt(new Message('bare'))).toEqual({ event: 'bare', retry: 5, data: undefined });
  });
});
