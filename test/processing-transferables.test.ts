import { describe, expect, it } from 'vitest';
import { Message } from 'eric-sse';
import { collect, workerSetup } from './processing-helpers.js';

describe('processQueue: binary results', () => {
  it('delivers typed arrays, ArrayBuffers and pooled Buffers intact, each in a buffer of its own size', async () => {
    const { channel, listener } = workerSetup('buffer-handler.js', { maxWorkers: 1 });
    await channel.dispatch(listener.id, new Message('floats', 1000));
    await channel.dispatch(listener.id, new Message('floats', 3));
    await channel.dispatch(listener.id, new Message('pooled', 7));
    await channel.dispatch(listener.id, new Message('bytes', 300));
    await channel.notifyEnd();
    const [big, small, pooled, bytes] = (await collect(channel.processQueue(listener, { ordered: true }))).map((e) => e.data);

    expect(big).toBeInstanceOf(Float64Array);
    expect(Array.from(big as Float64Array)).toEqual(Array.from({ length: 1000 }, (_, i) => i * 1.5));
    expect((big as Float64Array).buffer.byteLength).toBe(8000);
    expect(Array.from(small as Float64Array)).toEqual([0, 1.5, 3]);

    // A pooled Buffer is a view into a shared 8 KiB slab: only its own bytes travel.
    expect(pooled).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(pooled as Uint8Array).toString()).toBe('hi 7');
    expect((pooled as Uint8Array).buffer.byteLength).toBe(4);

    expect(bytes).toBeInstanceOf(ArrayBuffer);
    expect(Array.from(new Uint8Array(bytes as ArrayBuffer))).toEqual(Array.from({ length: 300 }, (_, i) => i % 251));
    await channel.close();
  });
});
