import { debuglog } from 'node:util';
import type { AbstractChannel } from './channel.js';
import { InvalidMessageFormat } from './errors.js';
import { MessageQueueListener } from './listener.js';
import { assertMessage, SignedMessage, type JsonCompatible, type MessageContract, type Payload } from './message.js';

const debug = debuglog('eric-sse');

/** An action: answers a message with the messages to send back to its sender. */
export type Action = (msg: MessageContract) => MessageContract[] | Promise<MessageContract[]>;

const kReservedActions = new Set(['start', 'stop', 'remove']);

/**
 * A listener for distributed applications: it runs the action named by each message's type
 * and sends the messages the action returns, signed, back to the message's sender.
 * Messages of type `start`, `stop` and `remove` start, stop and remove the listener.
 */
export class SimpleDistributedApplicationListener extends MessageQueueListener {
  readonly #channel: AbstractChannel<unknown>;
  readonly #actions = new Map<string, Action>();

  /** Creates the listener and registers it on `channel`. */
  constructor(channel: AbstractChannel<unknown>) {
    super();
    this.#channel = channel;
    channel.registerListener(this);
  }

  /**
   * Hooks an action to a message type. The reserved names `start`, `stop` and `remove` throw.
   */
  setAction(name: string, action: Action): void {
    if (kReservedActions.has(name)) throw new InvalidMessageFormat(`"${name}" is a reserved action name`);
    if (typeof name !== 'string' || name.length === 0) throw new InvalidMessageFormat('An action name must be a non-empty string');
    if (typeof action !== 'function') throw new TypeError(`The action for "${name}" must be a function`);
    this.#actions.set(name, action);
  }

  /** Sends `msg`, signed with this listener's id, to `receiver` (a listener or its id). */
  async dispatchTo<T = Payload>(receiver: MessageQueueListener | string, msg: MessageContract<T & JsonCompatible<T>>): Promise<void> {
    assertMessage(msg);
    const receiverId = typeof receiver === 'string' ? receiver : receiver.id;
    await this.#channel.dispatch(receiverId, new SignedMessage(this.id, msg.type, msg.payload as Payload));
  }

  /**
   * Runs the action for `msg.type` and dispatches each message it returns, signed, to
   * `msg.senderId`. `start`, `stop` and `remove` act on this listener; an unknown type is
   * ignored (logged with `NODE_DEBUG=eric-sse`).
   */
  override async onMessage(msg: MessageContract): Promise<void> {
    switch (msg.type) {
      case 'start':
        return this.start();
      case 'stop':
        return this.stop();
      case 'remove':
        return this.remove();
    }
    const action = this.#actions.get(msg.type);
    if (!action) {
      debug('listener %s: no action for message type %s', this.id, msg.type);
      return;
    }
    const replies = await action(msg);
    if (!Array.isArray(replies)) {
      throw new InvalidMessageFormat(`The action for "${msg.type}" must return an array of messages`);
    }
    if (replies.length === 0) return;
    const senderId = (msg as { senderId?: unknown }).senderId;
    if (typeof senderId !== 'string') {
      throw new InvalidMessageFormat(`Cannot reply to a "${msg.type}" message without a senderId`);
    }
    for (const reply of replies) await this.dispatchTo(senderId, reply);
  }

  /** Stops the listener and unregisters it from its channel. */
  async remove(): Promise<void> {
    await this.stop();
    await this.#channel.removeListener(this.id);
  }

  /**
   * Stops the listener and unregisters it (synchronous form). Deleting the queue finishes in
   * the background; a failure there is logged with `NODE_DEBUG=eric-sse`.
   */
  removeSync(): void {
    this.stopSync();
    this.#channel.removeListener(this.id).catch((error: unknown) => debug('removing listener %s: %o', this.id, error));
  }
}
