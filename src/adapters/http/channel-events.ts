/** From a channel's stream of `SSEEvent`s to the writer's `StreamEvent`s. */
import type { MessageStreamOptions } from '../../engine/channel.js';
import type { MessageQueueListener } from '../../engine/listener.js';
import type { ListenerStream } from '../../engine/listener-stream.js';
import { MESSAGE_TYPE_INTERNAL_ERROR, type MessageContract } from '../../engine/message.js';
import type { SSEChannel, SSEEvent } from '../../engine/sse-channel.js';
import { sharedEvent } from './event-stream.js';
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

/**
 * The wire form of each message handed out, shared by every listener's stream: a broadcast to
 * 1,000 streams is serialised once, not 1,000 times, and their histories keep one copy.
 * Weak: an entry lives as long as its message.
 */
const kSharedEvents = new WeakMap<MessageContract, StreamEvent>();

/**
 * The wire form of `event`, made from `msg` (the message handed out for it) or shared with
 * another stream that had the same message. Shared only when the event is the message as
 * such (its type, and its very payload as data, as the default `payloadAdapter` gives): an
 * internal-error report for one listener, or an adapter's output, is serialised for itself.
 */
function wireEventOf(event: SSEEvent, msg: MessageContract): StreamEvent {
  if (event.event !== msg.type || event.data !== msg.payload) return toStreamEvent(event);
  let shared = kSharedEvents.get(msg);
  if (shared === undefined) {
    shared = sharedEvent(toStreamEvent(event));
    kSharedEvents.set(msg, shared);
  }
  return shared;
}

/**
 * The listener's `messageStream`, each event in its wire form ({@link toStreamEvent}): what
 * `writeEventStream` takes. Like the channel's stream, `return()` (or `options.signal`) ends it
 * at once, even while it waits for a message, and leaves the listener running; a message taken
 * but not handed out goes back to the head of the queue. The wire form of a message is made
 * once and shared by the streams of every listener it reaches (and it is frozen): a message's
 * payload is not to be changed once sent.
 */
export function channelEvents(
  channel: SSEChannel,
  listener: MessageQueueListener,
  options: Omit<MessageStreamOptions, 'map'> = {},
): ListenerStream<StreamEvent> {
  // `map` rather than a wrapper around the stream: no promise and no turn more per event.
  return channel.messageStream(listener, { ...options, map: wireEventOf });
}
