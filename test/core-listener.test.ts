import { describe, expect, it } from 'vitest';
import { Message, MessageQueueListener } from 'eric-sse';

const kUuidV4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('MessageQueueListener', () => {
  it('gets a fresh UUID v4 as id', () => {
    const a = new MessageQueueListener();
    const b = new MessageQueueListener();
    expect(a.id).toMatch(kUuidV4);
    expect(a.id).toHaveLength(36);
    expect(a.id).not.toBe(b.id);
  });

  it('takes its id from the options', () => {
    expect(new MessageQueueListener({ id: 'alice' }).id).toBe('alice');
  });

  it('rejects an empty or non-string id with a TypeError naming the id', () => {
    expect(() => new MessageQueueListener({ id: '' })).toThrow(TypeError);
    expect(() => new MessageQueueListener({ id: 7 as unknown as string })).toThrow(/Listener id must be a non-empty string, got 7/);
  });

  it('is not running when new', async () => {
    const listener = new MessageQueueListener();
    expect(listener.isRunningSync()).toBe(false);
    await expect(listener.isRunning()).resolves.toBe(false);
  });

  it('starts and stops (async forms)', async () => {
    const listener = new MessageQueueListener();
    await listener.start();
    await expect(listener.isRunning()).resolves.toBe(true);
    await listener.stop();
    await expect(listener.isRunning()).resolves.toBe(false);
  });

  it('starts and stops (sync forms)', () => {
    const listener = new MessageQueueListener();
    listener.startSync();
    expect(listener.isRunningSync()).toBe(true);
    listener.startSync(); // starting twice keeps it running
    expect(listener.isRunningSync()).toBe(true);
    listener.stopSync();
    expect(listener.isRunningSync()).toBe(false);
    listener.stopSync(); // stopping twice is harmless
    expect(listener.isRunningSync()).toBe(false);
  });

  it('can be restarted after a stop', async () => {
    const listener = new MessageQueueListener();
    await listener.start();
    await listener.stop();
    await listener.start();
    expect(listener.isRunningSync()).toBe(true);
  });

  it('does nothing on a message by default', async () => {
    const listener = new MessageQueueListener();
    await expect(Promise.resolve(listener.onMessage(new Message('x')))).resolves.toBeUndefined();
  });

  it('runs an overridden onMessage', () => {
    const seen: string[] = [];
    class Recorder extends MessageQueueListener {
      override onMessage(msg: Message): void {
        seen.push(msg.type);
      }
    }
    new Recorder().onMessage(new Message('recorded'));
    expect(seen).toEqual(['recorded']);
  });
});
