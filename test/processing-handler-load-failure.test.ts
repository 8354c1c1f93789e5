import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, Message, WorkerListener } from 'eric-sse';
import { fixture } from './processing-helpers.js';

describe('processQueue: a handler module that cannot be loaded', () => {
  it('fails the stream with an error naming the module, and pops nothing', async () => {
    await using channel = new DataProcessingChannel({ maxWorkers: 2 });
    const listener = new WorkerListener(fixture('not-loadable-handler.js'));
    channel.registerListener(listener);
    await channel.dispatch(listener.id, new Message('row', 1));
    await channel.dispatch(listener.id, new Message('row', 2));
    const stream = channel.processQueue(listener);
    await expect(stream.next()).rejects.toThrow(/not-loadable-handler\.js/);
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    // Nothing was lost: both messages are still queued.
    listener.startSync();
    expect((await channel.deliverNext(listener.id)).payload).toBe(1);
    expect((await channel.deliverNext(listener.id)).payload).toBe(2);
  });

  it('names the module and the export when the export is missing', async () => {
    await using channel = new DataProcessingChannel({ maxWorkers: 1 });
    const listener = new WorkerListener(fixture('square-handler.js'), { name: 'cube' });
    channel.registerListener(listener);
    await channel.notifyEnd();
    await expect(channel.processQueue(listener).next()).rejects.toThrow(/square-handler\.js has no function export "cube"/);
  });

  it('names the module when it does not exist', async () => {
    await using channel = new DataProcessingChannel({ maxWorkers: 1 });
    const listener = new WorkerListener(fixture('no-such-handler.js'));
    channel.registerListener(listener);
    await expect(channel.processQueue(listener).next()).rejects.toThrow(/no-such-handler\.js/);
  });
});
