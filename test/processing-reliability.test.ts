// Issue 7: crashes, hangs and lost messages found by an adversarial pass over processQueue.
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import {
  AbstractMessageQueueFactory,
  DataProcessingChannel,
  InMemoryQueue,
  InvalidListenerException,
  Message,
  MessageQueueListener,
  RepositoryError,
  WorkerListener,
  type MessageContract,
  type ProcessedEvent,
  type Queue,
} from 'eric-sse';
import { closedAfterTest, collect, dispatchAll, fixture, workerSetup } from './processing-helpers.js';

/** Resolves with what `promise` settled to, or 'still pending' after `ms` (a bound on a hang, not a speed goal). */
async function within<T>(promise: Promise<T>, ms = 10_000): Promise<T | 'still pending'> {
  return Promise.race([promise, sleep(ms).then(() => 'still pending' as const)]);
}

describe('processQueue never crashes or hangs on odd handlers', () => {
  it('a handler that reuses one typed array for every result: every message ends as its own result', async () => {
    const { channel, listener } = workerSetup('reused-buffer-handler.js', { maxWorkers: 2 });
    await dispatchAll(channel, listener.id, Array.from({ length: 500 }, (_, i) => ['n', i] as const));
    await channel.notifyEnd();
    const events = await within(collect(channel.processQueue(listener, { ordered: true })));
    expect(events).not.toBe('still pending');
    const results = (events as ProcessedEvent[]).map((e) => Array.from(e.data as Uint8Array));
    expect(results).toEqual(Array.from({ length: 500 }, (_, i) => [i % 256, i % 256, i % 256, i % 256]));
  });

  it('close() resolves while a handler waits inside ctx.dispatch (split handler, break, close)', async () => {
    for (const timeoutMs of [undefined, 5000]) {
      const channel = new DataProcessingChannel({ maxWorkers: 2 });
      const listener = new WorkerListener(fixture('split-handler.js'), timeoutMs === undefined ? {} : { timeoutMs });
      channel.registerListener(listener);
      await dispatchAll(channel, listener.id, Array.from({ length: 20 }, () => ['line', 'a b c d e f g h i j k l m n o p'] as const));
      for await (const event of channel.processQueue(listener)) {
        expect(event.event).toBeDefined();
        break;
      }
      expect(await within(channel.close())).toBeUndefined();
    }
  });

  it('a module whose top-level await never settles: processQueue rejects saying loading timed out', async () => {
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 1 }));
    const listener = new WorkerListener(fixture('never-loads-handler.js'), { loadTimeoutMs: 300, timeoutMs: 100 });
    channel.registerListener(listener);
    await channel.dispatch(listener.id, new Message('n', 1));
    const outcome = await within(collect(channel.processQueue(listener)).then(() => 'ended', (error: Error) => error));
    expect(outcome).toBeInstanceOf(Error);
    expect((outcome as Error).name).toBe('TimeoutError');
    expect((outcome as Error).message).toMatch(/Loading handler module .*never-loads-handler\.js timed out after 300 ms/);
    expect(await channel.deliverNext(listener.id).catch((e: Error) => e.name)).toBe('NoMessagesException'); // not running
    listener.startSync();
    expect((await channel.deliverNext(listener.id)).payload).toBe(1); // still queued
  });

  it('aborting while the module loads ends the run at once; return() and close() resolve', async () => {
    const channel = new DataProcessingChannel({ maxWorkers: 1 });
    const listener = new WorkerListener(fixture('never-loads-handler.js'));
    channel.registerListener(listener);
    await channel.dispatch(listener.id, new Message('n', 1));
    const abort = new AbortController();
    const run = channel.processQueue(listener, { signal: abort.signal });
    const pending = run.next();
    await sleep(100);
    abort.abort(new Error('enough'));
    expect(await within(pending.catch((error: Error) => error.message))).toBe('enough');
    expect(await within(run.return!())).toEqual({ done: true, value: undefined });
    expect(await within(channel.close())).toBeUndefined();
  });

  it('several next() calls without awaiting settle in order', async () => {
    const { channel, listener } = workerSetup('echo-handler.js');
    const run = channel.processQueue(listener, { ordered: true });
    const pending = [run.next(), run.next(), run.next(), run.next()];
    await dispatchAll(channel, listener.id, [['n', 1], ['n', 2], ['n', 3]]);
    await channel.notifyEnd();
    const settled = await within(Promise.all(pending));
    expect(settled).not.toBe('still pending');
    expect((settled as IteratorResult<ProcessedEvent>[]).map((r) => (r.done ? 'done' : r.value.data))).toEqual([1, 2, 3, 'done']);
  });

  it('a second concurrent run on the same listener is refused with a clear error', async () => {
    const { channel, listener } = workerSetup('echo-handler.js');
    const first = channel.processQueue(listener);
    const firstNext = first.next();
    expect(() => channel.processQueue(listener)).toThrow(/already being processed by a processQueue run/);
    await channel.dispatch(listener.id, new Message('n', 1));
    expect((await firstNext).value).toEqual({ event: 'n', data: 1 });
    await first.return!();
    // Once the first has ended, a new run is welcome.
    await channel.notifyEnd();
    expect(await collect(channel.processQueue(listener))).toEqual([]);
  });
});

describe('results and errors that cannot cross threads', () => {
  it('an uncloneable result is a DataCloneError event for that message; the thread survives', async () => {
    const { channel, listener } = workerSetup('uncloneable-handler.js', { maxWorkers: 1 });
    await dispatchAll(channel, listener.id, [['ok', 0], ['fn', 1], ['ok', 2], ['symbol', 3], ['weakmap', 4], ['ok', 5]]);
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(listener, { ordered: true }));
    expect(events.map((e) => e.event)).toEqual(['ok', '_eric_error', 'ok', '_eric_error', '_eric_error', 'ok']);
    for (const index of [1, 3, 4]) {
      expect(events[index]!.data).toMatchObject({ name: 'DataCloneError', message: expect.stringMatching(/cannot be sent to the main thread/) });
    }
    const threads = new Set(events.filter((e) => e.event === 'ok').map((e) => (e.data as { threadId: number }).threadId));
    expect(threads.size).toBe(1);
  });

  it.each(['sleep', 'run'] as const)('a result only cloning can reject (a Proxy of a plain object) is a DataCloneError event; the thread survives (idleThreads %s)', async (idleThreads) => {
    const { channel, listener } = workerSetup('uncloneable-handler.js', { maxWorkers: 1, idleThreads });
    await dispatchAll(channel, listener.id, [['ok', 0], ['proxy', 1], ['ok', 2], ['ok', 3], ['proxy', 4], ['proxy', 5], ['ok', 6]]);
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(listener, { ordered: true }));
    expect(events.map((e) => e.event)).toEqual(['ok', '_eric_error', 'ok', 'ok', '_eric_error', '_eric_error', 'ok']);
    for (const index of [1, 4, 5]) {
      expect(events[index]!.data).toMatchObject({ name: 'DataCloneError', message: expect.stringMatching(/cannot be sent to the main thread/) });
    }
    const threads = new Set(events.filter((e) => e.event === 'ok').map((e) => (e.data as { threadId: number }).threadId));
    expect(threads.size).toBe(1);
  });

  it('a main-thread onMessage that throws unprintable values: error events, later runs unaffected', async () => {
    class Hostile extends MessageQueueListener {
      override onMessage(msg: MessageContract): void {
        if (msg.type === 'null-proto') throw Object.create(null);
        if (msg.type === 'bad-tostring') throw { toString: () => { throw new Error('nope'); } };
      }
    }
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 2 }));
    const listener = new Hostile();
    channel.registerListener(listener);
    await dispatchAll(channel, listener.id, [['null-proto', 1], ['bad-tostring', 2], ['fine', 3]]);
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(listener, { ordered: true }));
    expect(events.map((e) => e.event)).toEqual(['_eric_error', '_eric_error', 'fine']);
    await channel.dispatch(listener.id, new Message('later', 4));
    await channel.notifyEnd();
    expect(await collect(channel.processQueue(listener))).toEqual([{ event: 'later', data: 4 }]);
  });
});

/** A deterministic pseudo-random generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The in-memory queue, failing transiently: a pop or popMany throws RepositoryError now and then. */
class FlakyQueue extends InMemoryQueue {
  constructor(private readonly chance: () => number) {
    super();
  }
  override async pop(): Promise<MessageContract> {
    if (this.chance() < 0.05) throw new RepositoryError('transient pop failure');
    return super.pop();
  }
  override async popMany(max: number): Promise<MessageContract[]> {
    if (this.chance() < 0.2) throw new RepositoryError('transient popMany failure');
    return super.popMany(max);
  }
}

/** The flaky queue without popMany and popOrWait: the channel's pop-by-pop fallback. */
class FlakyMinimalQueue implements Queue {
  readonly #inner = new InMemoryQueue();
  constructor(private readonly chance: () => number) {}
  async pop(): Promise<MessageContract> {
    if (this.chance() < 0.05) throw new RepositoryError('transient pop failure');
    return this.#inner.pop();
  }
  async push(msg: MessageContract): Promise<void> {
    await this.#inner.push(msg);
  }
  async delete(): Promise<void> {
    await this.#inner.delete();
  }
}

describe('a queue backend that fails transiently loses nothing', () => {
  it.each([
    ['with popMany', (chance: () => number) => new FlakyQueue(chance)],
    ['pop by pop', (chance: () => number) => new FlakyMinimalQueue(chance)],
  ])('%s: 5,000 messages through processQueue, retried after each failure, all processed', async (_name, make) => {
    const chance = random(7);
    const factory = new (class extends AbstractMessageQueueFactory {
      create(): Queue {
        return make(chance);
      }
    })();
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 4, queuesFactory: factory }));
    const listener = new MessageQueueListener();
    channel.registerListener(listener);
    const total = 5000;
    // A producer beside the consumer, so that the run often waits for a message and then
    // takes more after it (the path where a failing take used to drop the one in hand).
    const producing = (async () => {
      for (let i = 0; i < total; i += 1) {
        await channel.dispatch(listener.id, new Message('n', i));
        if (i % 20 === 0) await sleep(0);
      }
      await channel.notifyEnd();
    })();
    const seen = new Set<number>();
    let failures = 0;
    for (let attempt = 0; attempt < 10_000; attempt += 1) {
      try {
        for await (const event of channel.processQueue(listener)) seen.add(event.data as number);
        break; // ended at the closed message
      } catch (error) {
        expect(error).toBeInstanceOf(RepositoryError);
        failures += 1;
      }
    }
    await producing;
    expect(failures).toBeGreaterThan(0);
    expect(seen.size).toBe(total);
  });
});

describe('clear errors for wrong options', () => {
  it('names the option, quotes strings and gives the type', () => {
    expect(() => new DataProcessingChannel({ maxWorkers: '4' as never })).toThrow('maxWorkers must be a positive integer, got "4" (string)');
    expect(() => new DataProcessingChannel({ maxWorkers: 2, maxBatchSize: '8' as never })).toThrow(/maxBatchSize .* got "8" \(string\)/);
    expect(() => new DataProcessingChannel({ maxWorkers: 2, streamDelaySeconds: '1' as never })).toThrow(/streamDelaySeconds .* got "1" \(string\)/);
    expect(() => new WorkerListener(fixture('echo-handler.js'), { concurrency: '2' as never })).toThrow(/concurrency.* got "2" \(string\)/);
    expect(() => new WorkerListener(fixture('echo-handler.js'), { timeoutMs: '100' as never })).toThrow(/timeoutMs.* got "100" \(string\)/);
  });

  it('null options are refused by name, not with "Cannot read properties of null"', () => {
    expect(() => new DataProcessingChannel(null as never)).toThrow(/DataProcessingChannel needs an options object.*got null/);
    expect(() => new WorkerListener(fixture('echo-handler.js'), null as never)).toThrow('WorkerListener options must be an object, got null');
    const { channel, listener } = workerSetup('echo-handler.js');
    expect(() => channel.processQueue(listener, null as never)).toThrow('processQueue options must be an object, got null');
    expect(() => channel.messageStream(listener, null as never)).toThrow('messageStream options must be an object, got null');
  });

  it('dispatch with a listener object instead of its id says a listener id string was expected', async () => {
    const { channel, listener } = workerSetup('echo-handler.js');
    const error = await channel.dispatch(listener as never, new Message('x')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidListenerException);
    expect((error as Error).message).toMatch(/A listener id \(a string\) was expected, got an object \(WorkerListener\)/);
  });

  it('invalid resourceLimits are named as such', async () => {
    expect(() => new DataProcessingChannel({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: '64' as never } })).toThrow(
      /resourceLimits\.maxOldGenerationSizeMb .* got "64" \(string\)/,
    );
    expect(() => new DataProcessingChannel({ maxWorkers: 1, resourceLimits: { maxOldGenSize: 64 } as never })).toThrow(
      /resourceLimits has an unknown field "maxOldGenSize"/,
    );
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 } }));
    const listener = new WorkerListener(fixture('echo-handler.js'));
    channel.registerListener(listener);
    await channel.dispatch(listener.id, new Message('n', 1));
    const error = await collect(channel.processQueue(listener)).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/ran out of memory while loading handler module .*the resourceLimits .* are probably too small/);
  });
});
