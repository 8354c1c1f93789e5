import { AbstractChannel, type ChannelOptions } from './channel.js';
import { UniqueMessage, type MessageContract, type Payload } from './message.js';
import { nonNegativeInteger } from './validation.js';

/**
 * One server-sent event, as `SSEChannel.adapt` makes it.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export interface SSEEvent {
  /** The event name: the message type. */
  event: string;
  /** Reconnection time in milliseconds. */
  retry: number;
  /** The payload, through `payloadAdapter`. */
  data: unknown;
  /** The message id, present for a `UniqueMessage`. */
  id?: string;
}

/** Options of `SSEChannel`. */
export interface SSEChannelOptions extends ChannelOptions {
  /**
   * The `retry` field of every event, in milliseconds.
   * @default 5
   */
  retryTimeoutMilliseconds?: number;
}

/** A channel whose streams yield server-sent events. */
export class SSEChannel extends AbstractChannel<SSEEvent> {
  /** The `retry` field of every event, in milliseconds. */
  readonly retryTimeoutMilliseconds: number;
  /**
   * Turns a payload into the event's `data`; identity by default. Set it, for example, to
   * `JSON.stringify` where the receiver deserializes payloads itself.
   */
  payloadAdapter: (payload: Payload) => unknown = (payload) => payload;

  constructor(options?: SSEChannelOptions) {
    super(options);
    const { retryTimeoutMilliseconds = 5 } = options ?? {};
    this.retryTimeoutMilliseconds = nonNegativeInteger('retryTimeoutMilliseconds', retryTimeoutMilliseconds);
  }

  /** `{ event: type, retry, data: payloadAdapter(payload) }`, plus `id` for a `UniqueMessage`. */
  adapt(msg: MessageContract): SSEEvent {
    const event: SSEEvent = { event: msg.type, retry: this.retryTimeoutMilliseconds, data: this.payloadAdapter(msg.payload) };
    if (msg instanceof UniqueMessage) event.id = msg.id;
    return event;
  }
}
