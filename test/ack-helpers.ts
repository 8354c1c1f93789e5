// A queue backend with at-least-once bookkeeping, for the acknowledgement tests: it records
// every popped message as "in flight" until the channel acknowledges it.
import { AbstractMessageQueueFactory, InMemoryQueue, type MessageContract, type Queue } from 'eric-sse';

export class AckingQueue extends InMemoryQueue {
  /** Popped and not yet acknowledged (what a networked backend would redeliver after a crash). */
  readonly inFlight = new Set<MessageContract>();
  /** Acknowledged messages, in acknowledgement order. */
  readonly acked: MessageContract[] = [];
  /** When set, `ack` rejects with it. */
  failWith: Error | undefined;

  override async pop(): Promise<MessageContract> {
    return this.#track(await super.pop());
  }

  override async popOrWait(signal: AbortSignal): Promise<MessageContract> {
    return this.#track(await super.popOrWait(signal));
  }

  override async popMany(max: number): Promise<MessageContract[]> {
    const taken = await super.popMany(max);
    for (const msg of taken) this.#track(msg);
    return taken;
  }

  override async requeue(messages: MessageContract[]): Promise<void> {
    for (const msg of messages) this.inFlight.delete(msg);
    await super.requeue(messages);
  }

  async ack(messages: MessageContract[]): Promise<void> {
    if (this.failWith) throw this.failWith;
    for (const msg of messages) {
      if (!this.inFlight.delete(msg)) throw new Error(`acknowledged a message that was not in flight: ${msg.type}`);
      this.acked.push(msg);
    }
  }

  #track(msg: MessageContract): MessageContract {
    this.inFlight.add(msg);
    return msg;
  }
}

/** Creates `AckingQueue`s and remembers the last one. */
export class AckingFactory extends AbstractMessageQueueFactory {
  last: AckingQueue | undefined;

  create(): Queue {
    this.last = new AckingQueue();
    return this.last;
  }
}
