// Shared helpers of the processing-* tests: fixture URLs, dispatching, collecting.
import { afterEach } from 'vitest';
import { DataProcessingChannel, Message, WorkerListener, type ProcessedEvent } from 'eric-sse';

const channelsToClose = new Set<DataProcessingChannel>();

afterEach(async () => {
  const channels = [...channelsToClose];
  channelsToClose.clear();
  await Promise.all(channels.map((channel) => channel.close()));
});

/** Closes `channel` (its worker pool) after the current test, however the test ends. */
export function closedAfterTest(channel: DataProcessingChannel): DataProcessingChannel {
  channelsToClose.add(channel);
  return channel;
}

/** URL of a handler module under test/fixtures. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}`, import.meta.url);
}

/** A channel (closed after the test) with a registered WorkerListener on the given fixture. */
export function workerSetup(
  handler: string,
  options: ConstructorParameters<typeof DataProcessingChannel>[0] = { maxWorkers: 2 },
): { channel: DataProcessingChannel; listener: WorkerListener } {
  const channel = closedAfterTest(new DataProcessingChannel(options));
  const listener = new WorkerListener(fixture(handler));
  channel.registerListener(listener);
  return { channel, listener };
}

/** Dispatches `new Message(type, payload)` for each entry, in order. */
export async function dispatchAll(
  channel: DataProcessingChannel,
  listenerId: string,
  messages: Iterable<readonly [string, unknown]>,
): Promise<void> {
  for (const [type, payload] of messages) await channel.dispatch(listenerId, new Message(type, payload as never));
}

/** Collects every event of an iterable. */
export async function collect(events: AsyncIterable<ProcessedEvent>): Promise<ProcessedEvent[]> {
  const out: ProcessedEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}
