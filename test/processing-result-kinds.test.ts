import { describe, expect, it } from 'vitest';
import { collect, dispatchAll, workerSetup } from './processing-helpers.js';

// Results cross back either as they are (plain data) or encoded in the thread (anything else);
// either way the main thread must get what structured cloning gives.
describe('worker results of every kind', () => {
  it('arrive as structured clones, plain or not, in one batch or alone', async () => {
    const { channel, listener } = workerSetup('kinds-handler.js', { maxWorkers: 1 });
    const kinds = ['plain', 'binary', 'map', 'set', 'instance', 'cycle', 'deep', 'wide', 'echo'];
    // Twice: the first messages of a run go one per task, later ones in batches.
    await dispatchAll(channel, listener.id, [...kinds, ...kinds].map((kind) => [kind, { kind }] as const));
    await channel.notifyEnd();
    const events = await collect(channel.processQueue(listener, { ordered: true }));
    expect(events.map((e) => e.event)).toEqual([...kinds, ...kinds]);
    for (const offset of [0, kinds.length]) {
      const data = (kind: string): unknown => events[offset + kinds.indexOf(kind)]!.data;
      expect(data('plain')).toEqual({ a: [1, 'two', null, true, undefined], b: { c: 1.5 }, n: 10n, when: new Date(0) });
      expect(data('binary')).toEqual({ bytes: new Uint8Array([1, 2, 3]), floats: new Float64Array([0.5]) });
      expect(data('map')).toEqual(new Map([['k', { v: 1 }]]));
      expect(data('set')).toEqual({ set: new Set([1, 2]) });
      expect(data('instance')).toEqual([{ x: 1, y: 2 }]);
      const cycle = data('cycle') as { name: string; self: unknown };
      expect(cycle.name).toBe('loop');
      expect(cycle.self).toBe(cycle);
      let deep = data('deep') as { next?: unknown; leaf?: boolean };
      for (let i = 0; i < 100; i += 1) deep = deep.next as typeof deep;
      expect(deep).toEqual({ leaf: true });
      expect((data('wide') as number[]).length).toBe(300_000);
      expect(data('echo')).toEqual({ kind: 'echo' });
    }
  });
});
