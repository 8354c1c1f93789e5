import { describe, expect, it } from 'vitest';
import { DataProcessingChannel, InvalidListenerException, MessageQueueListener, WorkerListener } from 'eric-sse';

describe('DataProcessingChannel and WorkerListener validate their input', () => {
  it.each([0, -1, 1.5, Number.NaN, '2', undefined])('rejects maxWorkers %s with a RangeError naming it', (maxWorkers) => {
    expect(() => new DataProcessingChannel({ maxWorkers } as never)).toThrow(RangeError);
    expect(() => new DataProcessingChannel({ maxWorkers } as never)).toThrow(/maxWorkers must be a positive integer/);
  });

  it('rejects bad batching options', () => {
    expect(() => new DataProcessingChannel({ maxWorkers: 1, maxBatchSize: 0 })).toThrow(/maxBatchSize/);
    expect(() => new DataProcessingChannel({ maxWorkers: 1, targetBatchMilliseconds: -1 })).toThrow(/targetBatchMilliseconds/);
  });

  it('rejects bad processQueue options and listeners', () => {
    const channel = new DataProcessingChannel({ maxWorkers: 1 });
    const listener = channel.addListener();
    expect(() => channel.processQueue(listener, { until: 'never' as never })).toThrow(/"until" must be 'closed' or 'empty'/);
    expect(() => channel.processQueue(listener, { ordered: 'yes' as never })).toThrow(/"ordered" must be a boolean/);
    expect(() => channel.processQueue(listener, { signal: {} as never })).toThrow(/AbortSignal/);
    expect(() => channel.processQueue({} as never)).toThrow(/MessageQueueListener/);
  });

  it('fails the stream of a listener that is not registered', async () => {
    const channel = new DataProcessingChannel({ maxWorkers: 1 });
    await expect(channel.processQueue(new MessageQueueListener()).next()).rejects.toBeInstanceOf(InvalidListenerException);
  });

  it('rejects handler references that are not modules', () => {
    expect(() => new WorkerListener('' as never)).toThrow(/an empty string/);
    expect(() => new WorkerListener(42 as never)).toThrow(/must be a URL, a file: URL string or a path/);
    expect(() => new WorkerListener(new URL('https://example.com/handler.js'))).toThrow(/file: URL, got https:/);
    expect(() => new WorkerListener('https://example.com/handler.js')).toThrow(/file: URL or a path/);
    expect(() => new WorkerListener('./h.js', { name: '' })).toThrow(/"name" must be a non-empty string/);
  });

  it('resolves a relative path against the current directory', () => {
    expect(new WorkerListener('handlers/h.js').handler).toBe(new URL(`file://${process.cwd()}/handlers/h.js`).href);
  });
});
