/**
 * A job's events, kept compactly for its readers: a ring of (type, data) pairs whose ids
 * (`<epoch>-<sequence>`) are computed when read. The same ids and the same replay rules as
 * `EventHistory` (a `_eric_events_lost` event for a gap, never a silent one), at about a third
 * of its memory per event: a job keeps up to 100,000 of them.
 */
import { MESSAGE_TYPE_EVENTS_LOST, type EventsLostData, type RecordedEvent, type Replay } from '../event-history.js';
import type { StreamEvent } from '../sse-format.js';

const kIdPattern = /^([0-9A-Za-z_.]+)-(0|[1-9][0-9]{0,15})$/;

/** The events of one job, the last `capacity` of them kept. */
export class JobLog {
  /** The id prefix (the service run's epoch). */
  readonly epoch: string;
  /** How many events are kept. */
  readonly capacity: number;
  /** Event of sequence `s` at index `(s - 1) % capacity`: its type and its data. */
  readonly #types: string[] = [];
  readonly #data: string[] = [];
  /** Sequence number of the next event (the first is 1). */
  #next = 1;

  constructor(capacity: number, epoch: string) {
    this.capacity = capacity;
    this.epoch = epoch;
  }

  /** The id of the last event, or `undefined` before the first. */
  get lastId(): string | undefined {
    return this.#next > 1 ? `${this.epoch}-${this.#next - 1}` : undefined;
  }

  /** Appends an event (its type and data as JSON), dropping the oldest when full. */
  append(type: string, data: string): void {
    const slot = (this.#next - 1) % this.capacity;
    this.#types[slot] = type;
    this.#data[slot] = data;
    this.#next += 1;
  }

  /**
   * What a reader that last saw `lastEventId` is owed, as `EventHistory.since` answers it: the
   * kept events after it, and first a `_eric_events_lost` event when some it missed are gone,
   * or the id is unknown (then no events: its place is unknown) or from another run (then
   * every kept event). `<epoch>-0` stands for "before the first event". At most `max` events
   * are returned (the oldest first): ask again from the last one for the rest.
   */
  since(lastEventId: string, max = Number.POSITIVE_INFINITY): Replay {
    const match = kIdPattern.exec(lastEventId);
    const last = this.#next - 1;
    const oldest = Math.max(1, last - this.capacity + 1);
    if (!match || match[1] !== this.epoch) {
      const reason = match ? 'restarted' : 'unknown';
      const events = reason === 'restarted' ? this.#range(oldest, last, max) : [];
      return { lost: lostEvent({ reason, lastEventId }, events), events };
    }
    const seen = Number(match[2]);
    if (seen > last) return { lost: lostEvent({ reason: 'unknown', lastEventId }, []), events: [] };
    const events = this.#range(Math.max(seen + 1, oldest), last, max);
    if (seen + 1 >= oldest) return { lost: undefined, events };
    return { lost: lostEvent({ reason: 'expired', lastEventId, lost: oldest - seen - 1 }, events), events };
  }

  #range(from: number, to: number, max: number): RecordedEvent[] {
    const events: RecordedEvent[] = [];
    const end = Math.min(to, from + max - 1);
    for (let sequence = from; sequence <= end; sequence += 1) {
      const slot = (sequence - 1) % this.capacity;
      events.push({ event: this.#types[slot]!, data: this.#data[slot]!, id: `${this.epoch}-${sequence}` });
    }
    return events;
  }
}

function lostEvent(data: EventsLostData, replayed: RecordedEvent[]): StreamEvent {
  const oldestKeptId = replayed[0]?.id;
  return { event: MESSAGE_TYPE_EVENTS_LOST, data: JSON.stringify(oldestKeptId === undefined ? data : { ...data, oldestKeptId }) };
}
