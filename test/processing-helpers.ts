// Shared helpers of the processing-* tests: fixture URLs, dispatching, collecting.
import { DataProcessingChannel, Message, WorkerListener, type ProcessedEvent } from 'eric-sse';

/** URL of a handler module under test/fixtures. */
export function fixture(name: string): URL {
  return new URL(`./fixtures/${name}`, import.meta.url);
}

/** A channel with a registered WorkerListener on the given fixture. */
export function workerSetup(
  handler: string,
  options: ConstructorParameters<typeof DataProcessingChannel>[0] = { maxWorkers: 2 },
): { channel: DataProcessingChannel; listener: WorkerListener } {
  const channel = new DataProcessingChannel(options);
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
