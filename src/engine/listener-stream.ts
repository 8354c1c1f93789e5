import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidChannelException, InvalidListenerException } from './errors.js';
import type { Taker } from './hand-off.js';
import { LinkedSignal } from './linked-signal.js';
import { MessageQueueListener } from './listener.js';
import { MESSAGE_TYPE_CLOSED, type MessageContract } from './message.js';

/** What a `ListenerStream` reads from: one listener's queue, seen through its channel. */
export interface DeliverySource<Out> {
  /** Aborted (reason: `InvalidListenerException`) when the listener is removed from the channel. */
  readonly removed: AbortSignal;
  /** Pops the next message, waiting without polling; rejects with `signal.reason` when it aborts. */
  wait(signal: AbortSignal): Promise<MessageContract>;
  /**
   * `wait` without a promise, when the queue can (`Queue.popOrEnlist`): the next message now,
   * or `undefined` after enlisting `taker`. Throws the signal's reason when it has aborted.
   */
  readonly take: ((taker: Taker<MessageContract>) => MessageContract | undefined) | undefined;
  /** Confirms delivery of a handed-out message; `undefined` when the queue does not want it. */
  readonly ack: ((messages: MessageContract[]) => Promise<void>) | undefined;
  /** Hands popped messages back to the head of the queue. */
  requeue(messages: MessageContract[]): Promise<void>;
  /** The event for a message (or, with `failure`, for its handler's failure), mapped; see `AbstractChannel`. */
  adapt(msg: MessageContract, failure: { error: unknown } | undefined): Out;
  /** Pause after each delivery, in milliseconds (the channel's `streamDelaySeconds`). */
  readonly delayMs: number;
}

/** Options of `ListenerStream`. */
export interface ListenerStreamOptions {
  /** Ends the stream (as `return()` does) when aborted. */
  signal?: AbortSignal | undefined;
  /** Called with each message just before its event is handed out (see `MessageStreamOptions.onHandOut`). */
  onHandOut?: ((msg: MessageContract) => void) | undefined;
  /** Runs once when the stream ends, however it ends (also a `return()` before the first `next()`). */
  cleanup?: (() => Promise<void>) | undefined;
}

/** A `next()` call made while another one is still being answered. */
interface QueuedNext<Out> {
  readonly resolve: (result: Promise<IteratorResult<Out, undefined>>) => void;
}

/** One answer of `next()`. */
type Result<Out> = IteratorResult<Out, undefined>;

/** Answers a `next()`: with its result, or with a promise of it. */
type Settle<Out> = (result: Result<Out> | Promise<Result<Out>>) => void;

/** What handing a message out gives: its event at once, or a promise of it (or of the end). */
type HandOutResult<Out> = IteratorResult<Out, undefined> | Promise<IteratorResult<Out, undefined>>;

/**
 * Calls `onResult(result)`; what it throws goes to `onError`, and what that throws is dropped:
 * a consumer called inside a producer's push must never make the push fail.
 */
function deliverGuarded<R>(onResult: (result: R) => void, onError: (error: unknown) => void, result: R): void {
  try {
    onResult(result);
  } catch (error) {
    try {
      onError(error);
    } catch {
      // nothing more to tell
    }
  }
}

/** The base class's `onMessage`, which does nothing. */
const kBaseOnMessage = MessageQueueListener.prototype.onMessage;

/** The result of every ended `next()`. */
const kDone: IteratorResult<never, undefined> = Object.freeze({ done: true, value: undefined });

/**
 * A listener's message stream (`messageStream`, `watch`): each `next()` pops one message,
 * runs the listener's `onMessage`, and answers with the adapted event. It reads nothing ahead.
 *
 * Written by hand rather than as an async generator: on the in-memory queue a waiting stream
 * is the queue's taker, so a broadcast to a thousand waiting streams costs each of them one
 * promise (the one `next()` returned), or none through `nextWith`, where a generator wrapped
 * in a stoppable iterator cost four promises and an `await` on every `yield`.
 *
 * It can be stopped at any moment: `return()` (or `options.signal`) ends a `next()` that
 * waits for a message at once, and leaves the listener running. A message popped but not
 * handed out (the stream stopped while `onMessage` ran, or adapting it failed beyond repair)
 * goes back to the head of the queue. A handed-out message is acknowledged (queues with
 * `ack`) when the consumer asks for the next one or leaves.
 */
export class ListenerStream<Out> implements AsyncIterableIterator<Out> {
  readonly #listener: MessageQueueListener;
  readonly #connect: () => DeliverySource<Out>;
  readonly #errorEvent: (error: unknown) => Out;
  readonly #onHandOut: ((msg: MessageContract) => void) | undefined;
  readonly #cleanup: (() => Promise<void>) | undefined;
  readonly #callerSignal: AbortSignal | undefined;
  readonly #stop = new AbortController();
  /** `#stop.signal.aborted` as a plain field: read once per message. */
  #stopped = false;
  readonly #onCallerAbort = (): void => this.#stopNow();
  /** A listener that keeps the base `isRunning` is asked synchronously: no turn per message. */
  readonly #syncRunning: boolean;
  #source: DeliverySource<Out> | undefined;
  /** `#source.adapt`, once connected. */
  #adapt: DeliverySource<Out>['adapt'] | undefined;
  /**
   * `#source.take` when the direct path applies (the queue enlists takers, wants no `ack`, and
   * the channel puts no pause between deliveries); `undefined` otherwise.
   */
  #take: DeliverySource<Out>['take'];
  /** The listener's run signal that `#link` follows (a restart makes a new one). */
  #runningSignal: AbortSignal | undefined;
  /** Aborts when the listener stops, is removed, or the stream stops: ends a wait. */
  #link: LinkedSignal | undefined;
  /** The message of the event last handed out, until acknowledged. */
  #handedOut: MessageContract | undefined;
  /** Whether the stream ends at the next `next()` (after the closed message, or an error event). */
  #endNext = false;
  /** Whether to pause (`delayMs`) before the next wait: a message was just delivered. */
  #pauseNext = false;
  #ended = false;
  /** Whether a `next()` is being answered; later calls wait in `#queued`. */
  #busy = false;
  /** `return()` calls waiting for the stream to be idle (not busy); made when one waits. */
  #idleWaiters: Array<() => void> | undefined;
  /** Made on the first call that has to wait (rare): a release then checks a field, not an array. */
  #queued: QueuedNext<Out>[] | undefined;
  #cleanedUp: Promise<void> | undefined;

  /**
   * @param listener - whose messages are streamed.
   * @param connect - looks the listener up in its channel, at the first `next()`.
   * @param errorEvent - the `error` event the stream yields, and then ends, when `connect`
   *   throws or a wait fails because the listener (or its channel) is unknown or removed.
   */
  constructor(
    listener: MessageQueueListener,
    connect: () => DeliverySource<Out>,
    errorEvent: (error: unknown) => Out,
    options: ListenerStreamOptions = {},
  ) {
    this.#listener = listener;
    this.#connect = connect;
    this.#errorEvent = errorEvent;
    this.#onHandOut = options.onHandOut;
    this.#cleanup = options.cleanup;
    this.#callerSignal = options.signal;
    this.#syncRunning = listener instanceof MessageQueueListener && listener.isRunning === MessageQueueListener.prototype.isRunning;
    if (this.#callerSignal?.aborted) this.#stopNow();
    else this.#callerSignal?.addEventListener('abort', this.#onCallerAbort, { once: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Whether the stream was told to stop (by `return()` or the caller's signal). */
  get stopped(): boolean {
    return this.#stopped;
  }

  next(): Promise<IteratorResult<Out, undefined>> {
    // The iterator protocol allows several pending calls: answered one after another, in order.
    if (this.#busy) return new Promise((resolve) => (this.#queued ??= []).push({ resolve }));
    if (this.#canTakeDirectly()) {
      return new Promise<Result<Out>>((resolve, reject) => this.#takeDirectly(resolve, reject));
    }
    return this.#answer();
  }

  /**
   * `next()` with callbacks instead of a promise, for a consumer in this process that can
   * take an event at any moment (`writeEventStream` uses it when present): exactly one of
   * `onResult` and `onError` is called, once, never during this call. A message that a
   * producer's push hands to the waiting stream reaches `onResult` inside that push, so a
   * broadcast to a thousand waiting streams costs no promise and no turn per stream. The
   * callbacks must not throw (what they throw is passed to `onError`, then dropped).
   */
  nextWith(onResult: (result: Result<Out>) => void, onError: (error: unknown) => void): void {
    if (!this.#busy && this.#canTakeDirectly()) {
      // Kept in fields with one settler per stream: no closure per message.
      this.#onResult = onResult;
      this.#onError = onError;
      this.#takeDirectly(this.#settleCallback, this.#failCallback);
      return;
    }
    this.next().then(onResult, onError);
  }

  /** The callbacks of the `nextWith` call waiting on the direct path. */
  #onResult: ((result: Result<Out>) => void) | undefined;
  #onError: ((error: unknown) => void) | undefined;

  /** Answers the waiting `nextWith` with a result (or a promise of one); guarded, since it runs inside pushes. */
  readonly #settleCallback = (result: Result<Out> | Promise<Result<Out>>): void => {
    const onResult = this.#onResult!;
    const onError = this.#onError!;
    this.#onResult = undefined;
    this.#onError = undefined;
    if (result instanceof Promise) {
      result.then((settled) => deliverGuarded(onResult, onError, settled), onError);
      return;
    }
    deliverGuarded(onResult, onError, result);
  };

  readonly #failCallback = (error: unknown): void => {
    const onError = this.#onError!;
    this.#onResult = undefined;
    this.#onError = undefined;
    onError(error);
  };

  /**
   * Whether the next message can be taken without `#step`: a queue that enlists takers,
   * nothing to acknowledge, to pause for or to end, and a running listener asked synchronously.
   * This is the steady state of a stream on the in-memory queue.
   */
  #canTakeDirectly(): boolean {
    return (
      this.#take !== undefined &&
      !this.#ended &&
      !this.#endNext &&
      this.#syncRunning &&
      !this.#stopped &&
      this.#listener.isRunningSync()
    );
  }

  /**
   * Takes the next message with the stream as the queue's taker, and answers with `resolve`
   * (or `reject`): per message, nothing but what the consumer gets. A message already queued
   * is handed out in a microtask; one pushed later, inside the push (see the taker). An
   * abort while waiting falls back to `#step`, which decides what the abort means.
   */
  #takeDirectly(resolve: Settle<Out>, reject: (error: unknown) => void): void {
    this.#handedOut = undefined;
    this.#pauseNext = false;
    this.#linkFor(this.#listener, this.#source!); // sets `#taker` for the current link
    this.#busy = true;
    let msg: MessageContract | undefined;
    try {
      msg = this.#take!(this.#taker!);
    } catch {
      // Aborted already (say, the listener was removed): `#step` tells why.
      this.#busy = false;
      resolve(this.#answer());
      return;
    }
    this.#resolveTaken = resolve;
    this.#rejectTaken = reject;
    if (msg !== undefined) {
      this.#given = msg;
      queueMicrotask(this.#handOutGiven);
    }
  }

  /** The message the queue gave the stream's taker, until handed out. */
  #given: MessageContract | undefined;
  /** How to answer the `next()` (or `nextWith`) waiting on the direct path. */
  #resolveTaken: Settle<Out> | undefined;
  #rejectTaken: ((error: unknown) => void) | undefined;

  /** Hands out the message given to the taker: runs `onMessage`, and answers the pending `next()`. */
  readonly #handOutGiven = (): void => {
    const msg = this.#given!;
    const resolve = this.#resolveTaken!;
    const reject = this.#rejectTaken!;
    this.#given = undefined;
    this.#resolveTaken = undefined;
    this.#rejectTaken = undefined;
    const handedOut = this.#handOut(this.#source!, msg);
    if (!(handedOut instanceof Promise)) {
      this.#release();
      resolve(handedOut);
      return;
    }
    handedOut.then(
      (result) => {
        this.#release();
        resolve(result);
      },
      (error: unknown) => {
        // A failure ends the stream, as one in `#step` does.
        void this.#end().then(() => {
          this.#release();
          reject(error);
        });
      },
    );
  };

  /**
   * Enlisted with the queue while the stream waits on the direct path (its `signal` is the
   * current link's). Failed by an abort, it answers the pending `next()` through `#step`.
   */
  #taker: Taker<MessageContract> | undefined;

  #makeTaker(signal: AbortSignal): Taker<MessageContract> {
    return {
      signal,
      give: (msg) => {
        this.#given = msg;
        // A listener without a handler of its own runs no user code before the event exists:
        // handed out at once, inside the push. A handler of the user's never runs inside the
        // producer's call: it gets a microtask.
        if (this.#listener.onMessage === kBaseOnMessage) this.#handOutGiven();
        else queueMicrotask(this.#handOutGiven);
      },
      fail: () => {
        const resolve = this.#resolveTaken!;
        this.#resolveTaken = undefined;
        this.#rejectTaken = undefined;
        // Still busy: `#step` decides (stopped, not running, removed) and then releases.
        resolve(this.#step());
      },
    };
  }

  /** Ends a `next()`: the stream is free again (and whoever waits for that is told), or busy with the oldest queued call. */
  #release(): void {
    const queued = this.#queued?.shift();
    if (queued === undefined) {
      this.#busy = false;
      const idleWaiters = this.#idleWaiters;
      if (idleWaiters !== undefined) {
        this.#idleWaiters = undefined;
        for (const idle of idleWaiters) idle();
      }
      return;
    }
    // Started in a microtask, after the answer of the call that just ended; busy meanwhile,
    // so that no new call overtakes the queued one.
    queueMicrotask(() => {
      this.#busy = false;
      queued.resolve(this.next());
    });
  }

  #answer(): Promise<Result<Out>> {
    this.#busy = true; // cleared by `#step` when done
    return this.#step();
  }

  /** Stops the stream at once, even while a `next()` waits; resolves once it has ended. */
  async return(): Promise<IteratorResult<Out, undefined>> {
    this.#stopNow();
    // Let the `next()` being answered finish (its wait ends now), then every queued one.
    while (this.#busy) await new Promise<void>((resolve) => (this.#idleWaiters ??= []).push(resolve));
    try {
      await this.#acknowledgeHandedOut();
    } finally {
      await this.#end();
    }
    return kDone;
  }

  /** Ends the stream with `error` (after stopping it, as `return()` does). */
  async throw(error?: unknown): Promise<IteratorResult<Out, undefined>> {
    await this.return();
    throw error;
  }

  /** Answers one `next()` (the body of what would be a generator's loop), then starts the next queued one. */
  async #step(): Promise<IteratorResult<Out, undefined>> {
    try {
      if (this.#ended) return kDone;
      // The consumer asks for more, so it is past the last event: confirm its message.
      const acknowledged = this.#acknowledgeHandedOut();
      if (acknowledged !== undefined) await acknowledged;
      if (this.#endNext) return await this.#endWith(kDone);
      let source = this.#source;
      if (source === undefined) {
        try {
          source = this.#connect();
        } catch (error) {
          return this.#lastEvent(this.#errorEvent(error));
        }
        this.#source = source;
        // The direct path reads these from the stream itself: the source stays out of the
        // per-message path (on a broadcast to a thousand streams, one object fewer to fetch each).
        this.#adapt = source.adapt;
        if (source.take !== undefined && source.ack === undefined && source.delayMs === 0) this.#take = source.take;
      }
      if (this.#pauseNext) {
        this.#pauseNext = false;
        if (source.delayMs > 0 && this.#link !== undefined) {
          await sleep(source.delayMs, undefined, { signal: this.#link.signal }).catch(() => undefined);
        }
      }
      const listener = this.#listener;
      for (;;) {
        if (this.#stopped || !(this.#syncRunning ? listener.isRunningSync() : await listener.isRunning())) {
          return await this.#endWith(kDone);
        }
        const link = this.#linkFor(listener, source);
        let msg: MessageContract;
        try {
          msg = await source.wait(link.signal);
        } catch (error) {
          if (error instanceof InvalidListenerException || error instanceof InvalidChannelException) {
            return this.#lastEvent(this.#errorEvent(error));
          }
          if (link.aborted) continue; // stopped while waiting: the loop condition decides
          throw error;
        }
        const handedOut = this.#handOut(source, msg);
        // Awaited here, not returned, so that `finally` runs once the message is handed out.
        return handedOut instanceof Promise ? await handedOut : handedOut;
      }
    } catch (error) {
      await this.#end();
      throw error;
    } finally {
      this.#release();
    }
  }

  /**
   * Runs `onMessage` on a popped message and hands its event out: synchronously for a plain
   * handler (the default), through a promise only when the handler is async or the message
   * must go back (the stream stopped meanwhile, or adapting failed beyond repair).
   */
  #handOut(source: DeliverySource<Out>, msg: MessageContract): HandOutResult<Out> {
    let handled: void | Promise<void>;
    try {
      handled = this.#listener.onMessage(msg);
    } catch (error) {
      return this.#eventFor(source, msg, { error });
    }
    if (handled === undefined) return this.#eventFor(source, msg, undefined);
    return Promise.resolve(handled).then(
      () => this.#eventFor(source, msg, undefined),
      (error: unknown) => this.#eventFor(source, msg, { error }),
    );
  }

  /** The event of a handled message (see `#handOut`). */
  #eventFor(source: DeliverySource<Out>, msg: MessageContract, failure: { error: unknown } | undefined): HandOutResult<Out> {
    // Stopped while onMessage ran: nobody takes the event; the message waits for the next stream.
    if (this.#stopped) return source.requeue([msg]).then(() => this.#endWith(kDone));
    let event: Out;
    try {
      event = this.#adapt!(msg, failure);
      this.#onHandOut?.(msg);
    } catch (error) {
      return source.requeue([msg]).then(() => Promise.reject(error));
    }
    this.#handedOut = msg;
    this.#pauseNext = true;
    // The closed message ends the stream even when its handler failed (say, a validating
    // onMessage that rejects unknown types): otherwise notifyEnd could not end this stream.
    if (msg.type === MESSAGE_TYPE_CLOSED) this.#endNext = true;
    return { done: false, value: event };
  }

  /** The link for this wait: the same one while the listener's run lasts, a new one after a restart. */
  #linkFor(listener: MessageQueueListener, source: DeliverySource<Out>): LinkedSignal {
    const runningSignal = listener.signal;
    if (this.#link === undefined || runningSignal !== this.#runningSignal) {
      this.#link?.dispose();
      this.#runningSignal = runningSignal;
      this.#link = new LinkedSignal([runningSignal, source.removed, this.#stop.signal]);
      this.#taker = this.#makeTaker(this.#link.signal);
    }
    return this.#link;
  }

  /** Hands out `event` and ends the stream at the following `next()`. */
  #lastEvent(event: Out): IteratorResult<Out, undefined> {
    this.#endNext = true;
    return { done: false, value: event };
  }

  /**
   * Confirms the message of the event last handed out (queues with `ack`); `undefined`, with
   * no promise, when there is nothing to confirm.
   */
  #acknowledgeHandedOut(): Promise<void> | undefined {
    const msg = this.#handedOut;
    this.#handedOut = undefined;
    const ack = this.#source?.ack;
    return msg !== undefined && ack !== undefined ? ack([msg]) : undefined;
  }

  async #endWith(result: IteratorResult<Out, undefined>): Promise<IteratorResult<Out, undefined>> {
    await this.#end();
    return result;
  }

  #stopNow(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#stop.abort(kStreamStopped);
  }

  /** Ends the stream once: unlinks, and runs the cleanup. */
  #end(): Promise<void> {
    if (!this.#ended) {
      this.#ended = true;
      this.#link?.dispose();
      this.#callerSignal?.removeEventListener('abort', this.#onCallerAbort);
    }
    this.#cleanedUp ??= this.#cleanup?.() ?? Promise.resolve();
    return this.#cleanedUp;
  }
}

/** Why a stream's own waits end when it is stopped (never surfaced: a shared reason costs no stack trace per stream). */
const kStreamStopped = new Error('The stream was stopped');
