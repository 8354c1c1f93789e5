import { describe, expect, it } from 'vitest';
import { Message, MessageQueueListener } from 'eric-sse';
import { collect, workerSetup } from './processing-helpers.js';

describe('processQueue: the handler ctx', () => {
  it('lets a handler dispatch new messages to its own listener, which the same run processes', async () => {
    const { channel, listener } = workerSetup('split-handler.js');
    await channel.dispatch(listener.id, new Message('line', 'alpha beta gamma'));
    const words: unknown[] = [];
    let summary: unknown;
    for await (const event of channel.processQueue(listener)) {
      if (event.event === 'line') summary = event.data;
      else words.push(event.data);
      if (words.length === 3 && summary !== undefined) break;
    }
    expect(summary).toEqual({ words: 3, listenerId: listener.id, channelId: channel.id });
    expect(words.sort()).toEqual(['alpha', 'beta', 'gamma']);
    await channel.close();
  });

  it('lets a handler broadcast, reaching every listener of the channel', async () => {
    const { channel, listener } = workerSetup('broadcast-handler.js');
    const other = new MessageQueueListener();
    channel.registerListener(other);
    other.startSync();
    await channel.dispatch(listener.id, new Message('announce', 'hello'));
    const events = await collect(channel.processQueue(listener, { until: 'empty' }));
    expect(events[0]).toEqual({ event: 'announce', data: 'broadcast sent' });
    const received = await channel.deliverNext(other.id);
    expect({ type: received.type, payload: received.payload }).toEqual({ type: 'news', payload: 'hello' });
    await channel.close();
  });
});
