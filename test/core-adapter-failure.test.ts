import { describe, expect, it } from 'vitest';
import { Message, MESSAGE_TYPE_CLOSED, MESSAGE_TYPE_INTERNAL_ERROR, SSEChannel, type Payload } from 'eric-sse';

describe('messageStream when adapt throws for one message', () => {
  it('yields an internal-error event carrying the payload and goes on with the next message', async () => {
    const channel = new SSEChannel();
    channel.payloadAdapter = (payload: Payload) => {
      if (payload === 'poison') throw new Error('cannot adapt poison');
      return payload;
    };
    const listener = channel.addListener();
    await listener.start();
    await channel.dispatch(listener.id, new Message('row', 'poison'));
    await channel.dispatch(listener.id, new Message('row', 'fine'));
    await channel.notifyEnd();

    const events = [];
    for await (const event of channel.messageStream(listener)) events.push(event);

    expect(events).toEqual([
      {
        event: MESSAGE_TYPE_INTERNAL_ERROR,
        retry: 5,
        data: { name: 'Error', message: 'cannot adapt poison', type: 'row', payload: 'poison' },
      },
      { event: 'row', retry: 5, data: 'fine' },
      { event: MESSAGE_TYPE_CLOSED, retry: 5, data: undefined },
    ]);
  });

  it('rejects the stream when even the error event cannot be adapted', async () => {
    const channel = new SSEChannel();
    channel.payloadAdapter = () => {
      throw new Error('adapter always fails');
    };
    const listener = channel.addListener();
    await listener.start();
    await channel.dispatch(listener.id, new Message('row', 1));
    await expect(channel.messageStream(listener).next()).rejects.toThrow('adapter always fails');
  });
});
