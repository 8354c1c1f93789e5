import { InvalidMessageFormat } from './errors.js';
import { describeValue } from './validation.js';

/** A JSON-compatible value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

/** What a message carries: any JSON-compatible value, or `undefined` for none. */
export type Payload = JsonValue | undefined;

/**
 * `T` where every part of it can travel as a payload (it is JSON-compatible), `never` where a
 * part cannot (a function, a symbol, a bigint). Unlike `Payload`, it accepts object types
 * declared by an `interface` or a class (which have no index signature). Function-valued
 * properties are left out of the check, so that class instances pass (their methods are not
 * carried: payloads travel as data); an object's own function property still fails where
 * the payload is copied (a worker thread, Redis).
 * Message constructors take a payload of type `T & JsonCompatible<T>`, so that
 * `new Message('row', row)` type-checks for `row: Order` with `interface Order { id: number }`
 * while `new Message('x', () => 1)` does not.
 */
export type JsonCompatible<T> = T extends string | number | boolean | null | undefined
  ? T
  : T extends bigint | symbol | ((...args: never[]) => unknown)
    ? never
    : { [K in keyof T as T[K] extends (...args: never[]) => unknown ? never : K]: JsonCompatible<T[K]> };

/** Reserved type of the message that ends a stream (see `AbstractChannel.notifyEnd`). */
export const MESSAGE_TYPE_CLOSED = '_eric_channel_closed';
/** Reserved type marking the end of a stream. */
export const MESSAGE_TYPE_END_OF_STREAM = '_eric_channel_eof';
/** Reserved type of the event reported for a message whose handler failed. */
export const MESSAGE_TYPE_INTERNAL_ERROR = '_eric_error';

/**
 * The contract every message fulfils: a type that identifies it, and a payload.
 * `T` is the payload's type (a JSON-compatible value; `Payload` by default).
 */
export interface MessageContract<T = Payload> {
  readonly type: string;
  readonly payload: T;
}

/** Throws `InvalidMessageFormat` unless `type` is a non-empty string. */
export function assertMessageType(type: unknown): asserts type is string {
  if (typeof type !== 'string' || type.length === 0) {
    throw new InvalidMessageFormat(`Message type must be a non-empty string, got ${describeValue(type)}`);
  }
}

/** Throws `InvalidMessageFormat` unless `msg` looks like a `MessageContract`. */
export function assertMessage(msg: unknown): asserts msg is MessageContract {
  if (typeof msg !== 'object' || msg === null) {
    throw new InvalidMessageFormat(`A message must be an object with a "type", got ${msg === null ? 'null' : typeof msg}`);
  }
  assertMessageType((msg as { type?: unknown }).type);
}

/**
 * A simple message: a type and an optional payload. `T`, the payload's type, is inferred:
 * `new Message('order', order)` with `order: Order` is a `Message<Order>`.
 */
export class Message<T = Payload> implements MessageContract<T> {
  readonly type: string;
  readonly payload: T;

  /**
   * @param type - identifies the message; a non-empty string.
   * @param payload - any JSON-compatible value (an interface- or class-typed object too);
   *   defaults to `undefined`.
   * @throws InvalidMessageFormat when `type` is not a non-empty string.
   */
  constructor(type: string, payload?: T & JsonCompatible<T>) {
    assertMessageType(type);
    this.type = type;
    // `undefined` when omitted: the type `T` then defaults to `Payload`, which includes it.
    this.payload = payload as T;
  }
}

/** A message that names the listener that sent it, so that replies can find their way back. */
export class SignedMessage<T = Payload> extends Message<T> {
  /** Id of the listener that sent the message. */
  readonly senderId: string;

  constructor(senderId: string, type: string, payload?: T & JsonCompatible<T>) {
    super(type, payload);
    if (typeof senderId !== 'string' || senderId.length === 0) {
      throw new InvalidMessageFormat(`SignedMessage senderId must be a non-empty string, got ${describeValue(senderId)}`);
    }
    this.senderId = senderId;
  }
}

/** A message with a unique identifier (it becomes the SSE `id` field). */
export class UniqueMessage<T = Payload> implements MessageContract<T> {
  /** Unique message identifier. */
  readonly id: string;
  /** Id of the listener that sent the message, when known. */
  readonly senderId: string | undefined;
  readonly #message: MessageContract<T>;

  /**
   * @param id - the unique identifier.
   * @param message - the message to wrap.
   * @param senderId - the sender's id; defaults to `message.senderId` when `message` is signed.
   */
  constructor(id: string, message: MessageContract<T>, senderId?: string) {
    if (typeof id !== 'string' || id.length === 0) {
      throw new InvalidMessageFormat(`UniqueMessage id must be a non-empty string, got ${describeValue(id)}`);
    }
    assertMessage(message);
    this.id = id;
    this.#message = message;
    this.senderId = senderId ?? (message instanceof SignedMessage ? message.senderId : undefined);
  }

  get type(): string {
    return this.#message.type;
  }

  get payload(): T {
    return this.#message.payload;
  }
}
