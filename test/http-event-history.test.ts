// EventHistory: ids unambiguous across runs, replay after an id exactly once and in order, and
// an explicit loss notice (never a silent gap) for ids too old, from another run, or unknown.
import { describe, expect, it } from 'vitest';
import { EventHistory, MESSAGE_TYPE_EVENTS_LOST, newEpoch } from 'eric-sse';

function filled(count: number, capacity = 5, epoch = 'e1') {
  const history = new EventHistory({ capacity, epoch });
  const ids = Array.from({ length: count }, (_, i) => history.record({ event: 't', data: String(i) }).id);
  return { history, ids };
}

describe('EventHistory', () => {
  it('gives ids <epoch>-<sequence> from 1, and fresh epochs differ', () => {
    const { history, ids } = filled(3);
    expect(ids).toEqual(['e1-1', 'e1-2', 'e1-3']);
    expect(history.lastId).toBe('e1-3');
    expect(history.size).toBe(3);
    expect(newEpoch()).not.toBe(newEpoch());
    expect(new EventHistory().epoch).toMatch(/^[0-9a-z]+$/);
  });

  it('replays the events after an id, in order, with their ids, and nothing lost', () => {
    const { history } = filled(4);
    expect(history.since('e1-2')).toEqual({
      lost: undefined,
      events: [
        { event: 't', data: '2', id: 'e1-3' },
        { event: 't', data: '3', id: 'e1-4' },
      ],
    });
    expect(history.since('e1-4')).toEqual({ lost: undefined, events: [] });
  });

  it('keeps the last `capacity` events; an id just before the oldest kept loses nothing', () => {
    const { history } = filled(8, 5); // keeps 4..8
    expect(history.size).toBe(5);
    const { lost, events } = history.since('e1-3');
    expect(lost).toBeUndefined();
    expect(events.map((e) => e.id)).toEqual(['e1-4', 'e1-5', 'e1-6', 'e1-7', 'e1-8']);
  });

  it('an id older than the history: one loss event saying how many, then every kept event', () => {
    const { history } = filled(8, 5);
    const { lost, events } = history.since('e1-1');
    expect(lost?.event).toBe(MESSAGE_TYPE_EVENTS_LOST);
    expect(JSON.parse(lost!.data!)).toEqual({ reason: 'expired', lastEventId: 'e1-1', lost: 2, oldestKeptId: 'e1-4' });
    expect(events.map((e) => e.id)).toEqual(['e1-4', 'e1-5', 'e1-6', 'e1-7', 'e1-8']);
  });

  it('an id of another run: a loss event, then every kept event (all came after the restart)', () => {
    const { history } = filled(2);
    const { lost, events } = history.since('zz-41');
    expect(JSON.parse(lost!.data!)).toEqual({ reason: 'restarted', lastEventId: 'zz-41', oldestKeptId: 'e1-1' });
    expect(events).toHaveLength(2);
  });

  it('an unknown or malformed id: a loss event and no replay', () => {
    const { history } = filled(2);
    for (const id of ['e1-99', 'nonsense', '', 'e1-', 'e1-01', 'e1-1-2']) {
      const { lost, events } = history.since(id);
      expect(JSON.parse(lost!.data!), id).toEqual({ reason: 'unknown', lastEventId: id });
      expect(events).toEqual([]);
    }
  });

  it('refuses a bad capacity or epoch, naming it', () => {
    expect(() => new EventHistory({ capacity: 0 })).toThrow(/capacity must be a positive integer, got 0 \(number\)/);
    expect(() => new EventHistory({ epoch: 'a-b' })).toThrow(/epoch must be .* got "a-b" \(string\)/);
  });
});
