/** From a channel's stream of `SSEEvent`s to the writer's `StreamEvent`s. */
import type { MessageStreamOptions } from '../../engine/channel.js';
import type { MessageQueueListener } from '../../engine/listener.js';
import { MESSAGE_TYPE_INTERNAL_ERROR } from '../../engine/message.js';
import type { SSEChannel, SSEEvent } from '../../engine/sse-channel.js';
import type { StreamEvent } from './sse-format.js';

/**
 * The wire form of a channel event: `event` is the message type and `data` the payload as
 * JSON (`null` for none); the channel's `retry` is left out (the writer sends its own, once)
 * and so is any message id (a resumable stream gives its own ids). A payload that is not
 * JSON-serialisable becomes a `MESSAGE_TYPE_INTERNAL_ERROR` event saying so.
 */
export function toStreamEvent(event: SSEEvent): StreamEvent {
  try {
    // `?? 'null'`: JSON.stringify gives undefined for a function or symbol.
    return { event: event.event, data: JSON.stringify(event.data ?? null) ?? 'null' };
  } catch (error) {
    const { name, message } = error instanceof Error ? error : new Error(String(error));
    return { event: MESSAGE_TYPE_INTERNAL_ERROR, data: JSON.stringify({ name, message, type: event.event }) };
  }
}

function toStreamResult(result: IteratorResult<SSEEvent, undefined>): IteratorResult<StreamEvent, undefined> {
  return result.done ? result : { done: false, value: toStreamEvent(result.value) };
}

/**
 * The listener's `messageStream`, each event in its wire form ({@link toStreamEvent}): what
 * `writeEventStream` takes. Like the channel's stream, `return()` (or `options.signal`) ends it
 * at once, even while it waits for a message, and leaves the listener running; a message taken
 * but not handed out goes back to the head of the queue.
 */
export function channelEvents(
  channel: SSEChannel,
  listener: MessageQueueListener,
  options: MessageStreamOptions = {},
): AsyncIterableIterator<StreamEvent> {
  const stream = channel.messageStream(listener, options);
  return {
    // Not `async`: one promise and one turn less per event than awaiting the stream's.
    next(): Promise<IteratorResult<StreamEvent, undefined>> {
      return stream.next().then(toStreamResult);
    },
    async return(): Promise<IteratorResult<StreamEvent, undefined>> {
      await stream.return();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
