import { describeError } from '../../engine/errors.js';
import {
  Message,
  MESSAGE_TYPE_INTERNAL_ERROR,
  SignedMessage,
  UniqueMessage,
  type MessageContract,
  type Payload,
} from '../../engine/message.js';

/** A message as stored in a stream entry: JSON, never code (no pickle, no eval). */
interface WireMessage {
  /** type */
  t: string;
  /** payload; absent for `undefined` */
  p?: Payload;
  /** sender id (`SignedMessage`, or a `UniqueMessage` with a sender) */
  s?: string;
  /** unique id (`UniqueMessage`) */
  u?: string;
}

/** Encodes a message as JSON, keeping a `UniqueMessage`'s id and a sender's id. */
export function encodeMessage(msg: MessageContract): string {
  const wire: WireMessage = { t: msg.type };
  if (msg.payload !== undefined) wire.p = msg.payload;
  const senderId = (msg as { senderId?: unknown }).senderId;
  if (typeof senderId === 'string' && senderId.length > 0) wire.s = senderId;
  if (msg instanceof UniqueMessage) wire.u = msg.id;
  return JSON.stringify(wire);
}

/**
 * Decodes what `encodeMessage` made into a `Message`, `SignedMessage` or `UniqueMessage`.
 * An entry that is not such JSON (written by something else) becomes a
 * `MESSAGE_TYPE_INTERNAL_ERROR` message carrying the raw text, so that one bad entry
 * never stops a consumer.
 */
export function decodeMessage(raw: string): MessageContract {
  try {
    const wire = JSON.parse(raw) as WireMessage;
    if (typeof wire !== 'object' || wire === null) throw new TypeError(`expected a JSON object, got ${typeof wire}`);
    const base = wire.s !== undefined ? new SignedMessage(wire.s, wire.t, wire.p) : new Message(wire.t, wire.p);
    return wire.u !== undefined ? new UniqueMessage(wire.u, base, wire.s) : base;
  } catch (error) {
    return new Message(MESSAGE_TYPE_INTERNAL_ERROR, {
      name: 'InvalidMessageFormat',
      message: `A Redis stream entry is not an eric-sse message (${describeError(error)})`,
      raw,
    });
  }
}
