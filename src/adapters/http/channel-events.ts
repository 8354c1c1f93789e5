/** From a channel's stream of `SSEEvent`s to the writer's `StreamEvent`s. */
import { MESSAGE_TYPE_INTERNAL_ERROR } from '../../engine/message.js';
import type { MessageQueueListener } from '../../engine/listener.js';
import type { SSEChannel, SSEEvent } from '../../engine/sse-channel.js';
import type { StreamEvent } from './sse-format.js';

/**
 * The wire form of a channel event: `event` is the message type and `data` the payload as
 * JSON (`null` for none); the channel's `retry` is left out (the writer sends its own, once)
 * and so is any message id (a resumable stream gives its own ids).
 */
export function toStreamEvent(event: SSEEvent): StreamEvent {
  try {
    // `?? 'null'`: JSON.stringify gives undefined for a function or symbol.
    return { event: event.event, data: JSON.stringify(event.data ?? null) ?? 'null' };
  } catch (error) {
    // Not JSON-serialisable (a BigInt, a cycle): say so for this event and go on.
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    return { event: MESSAGE_TYPE_INTERNAL_ERROR, data: JSON.stringify({ name, message, type: event.event }) };
  }
}

/** Options of {@link channelEvents}. */
export interface ChannelEventsOptions {
  /** Ends the stream at once, even while it waits for a message, without stopping the listener. */
  signal?: AbortSignal;
}

/**
 * The listener's `messageStream`, each event in its wire form ({@link toStreamEvent}): what
 * {@link writeEventStream} takes. Ends when the channel's stream does (the listener stops, the
 * closed message, the signal).
 */
export async function* channelEvents(
  channel: SSEChannel,
  listener: MessageQueueListener,
  options: ChannelEventsOptions = {},
): AsyncGenerator<StreamEvent, void, undefined> {
  // TODO(messageStream signal): call it directly once main's messageStream takes { signal }.
  const messageStream = channel.messageStream as (
    listener: MessageQueueListener,
    options: ChannelEventsOptions,
  ) => AsyncIterable<SSEEvent>;
  for await (const event of messageStream.call(channel, listener, options)) yield toStreamEvent(event);
}
