/**
 * The bounded memory of what a stream has written, so that a client that reconnects with
 * `Last-Event-ID` gets exactly the events it missed, or an explicit notice that some are gone.
 */
import { describeValue } from '../../engine/validation.js';
import type { StreamEvent } from './sse-format.js';

/**
 * Type of the event sent to a resuming client when events it missed are no longer in the
 * history (or its `Last-Event-ID` is unknown): the only way events are ever skipped, so a
 * client can tell. Its data is JSON {@link EventsLostData}.
 */
export const MESSAGE_TYPE_EVENTS_LOST = '_eric_events_lost';

/** Data (JSON) of a {@link MESSAGE_TYPE_EVENTS_LOST} event. */
export interface EventsLostData {
  /**
   * Why: `expired` — the id is older than the history; `restarted` — the id is from an
   * earlier run of the server (another epoch); `unknown` — the id is not one this history gave.
   */
  reason: 'expired' | 'restarted' | 'unknown';
  /** The `Last-Event-ID` the client sent. */
  lastEventId: string;
  /** How many events were lost, when known (`expired` only). */
  lost?: number;
  /** Id of the first event replayed after this notice; absent when none is. */
  oldestKeptId?: string;
}

/** An event as recorded: with the id the history gave it. */
export interface RecordedEvent extends StreamEvent {
  id: string;
}

/** What a resuming client is owed: the events after its id, and a loss notice when needed. */
export interface Replay {
  /** The {@link MESSAGE_TYPE_EVENTS_LOST} event to send first, or `undefined` when nothing was lost. */
  lost: StreamEvent | undefined;
  /** The kept events after the client's id, oldest first, with their original ids. */
  events: RecordedEvent[];
}

/** Options of {@link EventHistory}. */
export interface EventHistoryOptions {
  /**
   * How many events are kept (the oldest is dropped first).
   * @default 1000
   */
  capacity?: number;
  /**
   * The id prefix of this history; ids are `<epoch>-<sequence>`. Must not contain `-` or a
   * line break. Histories of one server run share it, so that an id from an earlier run is
   * recognised as such.
   * @default kProcessEpoch: this process's start time in base 36
   */
  epoch?: string;
}

const kDefaultCapacity = 1000;
let lastEpochMs = 0;

/**
 * A fresh epoch for a run of a server: the current time in milliseconds, base 36, and never the
 * same twice in one process (two servers started in the same millisecond get different ones).
 */
export function newEpoch(): string {
  lastEpochMs = Math.max(Date.now(), lastEpochMs + 1);
  return lastEpochMs.toString(36);
}

/** The default epoch: when this module was loaded. */
const kProcessEpoch = newEpoch();
const kEpochPattern = /^[0-9A-Za-z_.]+$/;
const kIdPattern = /^([0-9A-Za-z_.]+)-(0|[1-9][0-9]{0,15})$/;

/**
 * A ring of the last `capacity` events written to one stream (one listener, one job), each
 * given an id `<epoch>-<sequence>` that no other run of the server gives (the epoch is the
 * start time) and that orders events within the run.
 *
 * Record an event before writing it: an event written into a connection that then dies is
 * still replayed to the client when it comes back.
 */
export class EventHistory {
  /** The id prefix of this history. */
  readonly epoch: string;
  /** How many events are kept. */
  readonly capacity: number;
  /**
   * Event of sequence `s` at index `(s - 1) % capacity`, as given (its id follows from `s`):
   * an event shared by many streams costs each history one slot. Grows to `capacity`, then wraps.
   */
  readonly #ring: StreamEvent[] = [];
  /** Sequence number of the next event recorded (the first is 1). */
  #nextSequence = 1;

  constructor(options: EventHistoryOptions = {}) {
    const { capacity = kDefaultCapacity, epoch = kProcessEpoch } = options;
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a positive integer, got ${describeValue(capacity)}`);
    }
    if (typeof epoch !== 'string' || !kEpochPattern.test(epoch)) {
      throw new TypeError(`epoch must be letters, digits, "_" or "." (no "-"), got ${describeValue(epoch)}`);
    }
    this.capacity = capacity;
    this.epoch = epoch;
  }

  /** How many events are kept now. */
  get size(): number {
    return Math.min(this.#nextSequence - 1, this.capacity);
  }

  /** The id of the last event recorded, or `undefined` before the first. */
  get lastId(): string | undefined {
    return this.#nextSequence > 1 ? this.#idOf(this.#nextSequence - 1) : undefined;
  }

  /**
   * Gives `event` the next id, keeps it (dropping the oldest when full; `event` itself is kept,
   * so don't change it afterwards) and returns a copy with its id.
   */
  record(event: StreamEvent): RecordedEvent {
    return { ...event, id: this.add(event) };
  }

  /**
   * What `record` does, returning only the id given: for a writer that frames the id itself
   * (no copy of the event per stream).
   */
  add(event: StreamEvent): string {
    const sequence = this.#nextSequence;
    this.#nextSequence += 1;
    // Grown on demand: an idle stream's history costs next to nothing.
    this.#ring[(sequence - 1) % this.capacity] = event;
    return this.#idOf(sequence);
  }

  /**
   * What a client that last saw `lastEventId` is owed: the kept events after it, in order;
   * when some it missed are gone (or the id is unknown or from another run), first a
   * {@link MESSAGE_TYPE_EVENTS_LOST} event. An id from another run is followed by every kept
   * event (all were written after the restart); an unknown id by none (its place is unknown).
   */
  since(lastEventId: string): Replay {
    const match = kIdPattern.exec(lastEventId);
    const last = this.#nextSequence - 1;
    const oldest = Math.max(1, last - this.capacity + 1);
    if (!match || match[1] !== this.epoch) {
      const reason = match ? 'restarted' : 'unknown';
      const events = reason === 'restarted' ? this.#range(oldest, last) : [];
      return { lost: this.#lostEvent({ reason, lastEventId }, events), events };
    }
    const seen = Number(match[2]);
    if (seen > last) return { lost: this.#lostEvent({ reason: 'unknown', lastEventId }, []), events: [] };
    const events = this.#range(Math.max(seen + 1, oldest), last);
    if (seen + 1 >= oldest) return { lost: undefined, events };
    return { lost: this.#lostEvent({ reason: 'expired', lastEventId, lost: oldest - seen - 1 }, events), events };
  }

  #lostEvent(data: EventsLostData, replayed: RecordedEvent[]): StreamEvent {
    const oldestKeptId = replayed[0]?.id;
    return {
      event: MESSAGE_TYPE_EVENTS_LOST,
      data: JSON.stringify(oldestKeptId === undefined ? data : { ...data, oldestKeptId }),
    };
  }

  #range(from: number, to: number): RecordedEvent[] {
    const events: RecordedEvent[] = [];
    for (let sequence = from; sequence <= to; sequence += 1) {
      events.push({ ...this.#ring[(sequence - 1) % this.capacity]!, id: this.#idOf(sequence) });
    }
    return events;
  }

  #idOf(sequence: number): string {
    return `${this.epoch}-${sequence}`;
  }
}
