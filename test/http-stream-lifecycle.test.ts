// A stream's life in the service: one stream per listener (a new one ends the previous), a
// departed client stops its listener but keeps it registered, removal ends streams, and a
// graceful close sends the closed message and keeps queued messages.
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_CLOSED } from 'eric-sse';
import { openStream, startService } from './http-helpers.js';

describe('stream lifecycle in the service', () => {
  it('a new stream of a listener ends the previous one, which does not stop the listener', async () => {
    const service = await startService();
    const c = await service.createChannel();
    const l = await service.subscribe(c);
    const url = `${service.base}/stream/${c}/${l}`;
    const first = await openStream(url);
    await service.dispatch(c, l, 'n', 1);
    await first.until(1);
    const second = await openStream(url);
    await first.done; // ended by the server
    expect(first.events().map((e) => e.data)).toEqual(['1']);
    await service.dispatch(c, l, 'n', 2);
    await second.until(1);
    expect(second.events().map((e) => e.data)).toEqual(['2']);
    expect(service.app.eric.channels.get(c).getListener(l).isRunningSync()).toBe(true);
  });

  it('a client that leaves stops its listener, which stays registered and keeps its messages for the next stream', async () => {
    const service = await startService();
    const c = await service.createChannel();
    const l = await service.subscribe(c);
    const url = `${service.base}/stream/${c}/${l}`;
    const first = await openStream(url);
    await service.dispatch(c, l, 'n', 1);
    await first.until(1);
    first.abort();
    const listener = service.app.eric.channels.get(c).getListener(l);
    while (listener.isRunningSync()) await new Promise((resolve) => setTimeout(resolve, 5));
    await service.dispatch(c, l, 'n', 2);
    await service.dispatch(c, l, 'n', 3);
    expect((await service.call('GET', '/')) as Record<string, string[]>).toEqual({ [c]: [l] });
    const second = await openStream(url);
    await second.until(2);
    expect(second.events().map((e) => e.data)).toEqual(['2', '3']);
    expect(listener.isRunningSync()).toBe(true);
  });

  it('deleting the listener or the channel ends its open stream', async () => {
    const service = await startService();
    const c = await service.createChannel();
    const [l1, l2] = [await service.subscribe(c), await service.subscribe(c)];
    const s1 = await openStream(`${service.base}/stream/${c}/${l1}`);
    const s2 = await openStream(`${service.base}/stream/${c}/${l2}`);
    await service.broadcast(c, 'n', 1);
    await s1.until(1);
    await s2.until(1);
    await service.call('DELETE', `/listener/${c}/${l1}`);
    await s1.done;
    expect(s1.events().map((e) => e.event)).toEqual(['n']);
    await service.call('DELETE', `/channel/${c}`);
    await s2.done;
    expect(s2.ended).toBe(true);
  });

  it('the closed message is sent, then the response ends', async () => {
    const service = await startService();
    const c = await service.createChannel();
    const l = await service.subscribe(c);
    const stream = await openStream(`${service.base}/stream/${c}/${l}`);
    await service.broadcast(c, 'n', 1);
    await service.broadcast(c, MESSAGE_TYPE_CLOSED);
    await stream.done;
    expect(stream.events().map((e) => e.event)).toEqual(['n', MESSAGE_TYPE_CLOSED]);
  });

  it('close(): open streams get the closed message and end; queued messages stay queued', async () => {
    const service = await startService();
    const c = await service.createChannel();
    const [l1, l2] = [await service.subscribe(c), await service.subscribe(c)];
    const stream = await openStream(`${service.base}/stream/${c}/${l1}`);
    await service.broadcast(c, 'n', 1);
    await stream.until(1);
    await service.dispatch(c, l2, 'kept', 2); // l2 has no stream: stays in its queue
    await service.app.close();
    await stream.done;
    expect(stream.events().map((e) => [e.event, e.data])).toEqual([
      ['n', '1'],
      [MESSAGE_TYPE_CLOSED, 'null'],
    ]);
    const channel = service.app.eric.channels.get(c);
    const listener = channel.getListener(l2);
    await listener.start();
    expect(await channel.deliverNext(l2)).toMatchObject({ type: 'n', payload: 1 });
    expect(await channel.deliverNext(l2)).toMatchObject({ type: 'kept', payload: 2 });
  });
});

describe('HEAD on a stream', () => {
  it('answers the stream headers without starting the listener or taking its messages', async () => {
    const service = await startService();
    const c = await service.createChannel();
    const l = await service.subscribe(c);
    await service.dispatch(c, l, 'n', 1);
    const head = await fetch(`${service.base}/stream/${c}/${l}`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect((await fetch(`${service.base}/stream/${c}/nope`, { method: 'HEAD' })).status).toBe(404);
    expect(service.app.eric.channels.get(c).getListener(l).isRunningSync()).toBe(false);
    const stream = await openStream(`${service.base}/stream/${c}/${l}`);
    await stream.until(1);
    expect(stream.events().map((e) => e.data)).toEqual(['1']);
  });
});
