import YoctoQueue from 'yocto-queue';
import { Doorbell } from './doorbell.js';
import { NoMessagesException } from './errors.js';
import { assertMessage, type MessageContract } from './message.js';
import { AbstractMessageQueueFactory, type Queue, type QueueOwner } from './queue.js';

/** The embedded queue backend: a FIFO in this process's memory. */
export class InMemoryQueue implements Queue {
  /** Messages handed back by `requeue`, taken before `#messages`; usually empty. */
  #returned: MessageContract[] = [];
  readonly #messages = new YoctoQueue<MessageContract>();
  readonly #arrivals = new Doorbell();

  async pop(): Promise<MessageContract> {
    return this.#take();
  }

  async push(msg: MessageContract): Promise<void> {
    assertMessage(msg);
    this.#messages.enqueue(msg);
    this.#arrivals.ring();
  }

  async delete(): Promise<void> {
    this.#returned = [];
    this.#messages.clear();
  }

  async popOrWait(signal: AbortSignal): Promise<MessageContract> {
    while (this.#size() === 0) await this.#arrivals.wait(signal);
    return this.#take();
  }

  async popMany(max: number): Promise<MessageContract[]> {
    const taken = this.#returned.length > 0 ? this.#returned.splice(0, max) : [];
    while (taken.length < max && this.#messages.size > 0) taken.push(this.#messages.dequeue()!);
    return taken;
  }

  async requeue(messages: MessageContract[]): Promise<void> {
    if (messages.length === 0) return;
    this.#returned = [...messages, ...this.#returned];
    this.#arrivals.ring();
  }

  async size(): Promise<number> {
    return this.#size();
  }

  #size(): number {
    return this.#returned.length + this.#messages.size;
  }

  #take(): MessageContract {
    if (this.#returned.length > 0) return this.#returned.shift()!;
    if (this.#messages.size === 0) throw new NoMessagesException('The queue is empty');
    return this.#messages.dequeue()!;
  }
}

/** Creates `InMemoryQueue`s: the default factory of every channel. */
export class InMemoryMessageQueueFactory extends AbstractMessageQueueFactory {
  create(_owner?: QueueOwner): Queue {
    return new InMemoryQueue();
  }
}
