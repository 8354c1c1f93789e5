// Streams read by a real EventSource client (the eventsource package): events, data, unicode
// and ids; automatic reconnection resumes with nothing lost and nothing twice; the gap event.
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { EventSource } from 'eventsource';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_EVENTS_LOST, writeEventStream } from 'eric-sse';
import { EventLog, onCleanup, plainServer, startService } from './http-helpers.js';

function eventSource(url: string): EventSource {
  const source = new EventSource(url);
  onCleanup(() => source.close());
  return source;
}

describe('streams read by EventSource', () => {
  it('delivers types, JSON payloads, unicode and ids', async () => {
    const service = await startService();
    const channelId = await service.createChannel();
    const listenerId = await service.subscribe(channelId);
    const source = eventSource(`${service.base}/stream/${channelId}/${listenerId}`);
    const log = new EventLog(source, ['greeting', 'message', 'ünïcødé']);
    await service.dispatch(channelId, listenerId, 'greeting', { text: 'héllo 😀', lines: 'a\nb\r\nc' });
    await service.dispatch(channelId, listenerId, 'message', null);
    await service.broadcast(channelId, 'ünïcødé', ['€', 1, true]);
    await log.until((l) => l.events.length === 3);
    const epoch = log.events[0]!.id.split('-')[0];
    expect(log.events).toEqual([
      { type: 'greeting', data: '{"text":"héllo 😀","lines":"a\\nb\\r\\nc"}', id: `${epoch}-1` },
      { type: 'message', data: 'null', id: `${epoch}-2` },
      { type: 'ünïcødé', data: '["€",1,true]', id: `${epoch}-3` },
    ]);
    expect(JSON.parse(log.events[0]!.data)).toEqual({ text: 'héllo 😀', lines: 'a\nb\r\nc' });
  });

  it('multi-line data from the writer arrives joined with LF', async () => {
    const { port } = await plainServer((req, res) => {
      void writeEventStream(req, res, (async function* () {
        yield { event: 'text', data: 'line 1\nline 2\r\nline 3\rline 4' };
        yield { event: 'text', data: '' };
      })());
    });
    const source = eventSource(`http://127.0.0.1:${port}/`);
    const log = new EventLog(source, ['text']);
    await log.until((l) => l.events.length === 2);
    source.close();
    expect(log.events.map((e) => e.data)).toEqual(['line 1\nline 2\nline 3\nline 4', '']);
  });

  it('reconnects by itself after the server drops the connection, with nothing lost and nothing twice', async () => {
    const service = await startService({ stream: { retryMs: 20 } });
    const sockets = new Set<Socket>();
    service.app.server.on('request', (req: IncomingMessage) => {
      if (req.url?.startsWith('/stream/')) sockets.add(req.socket);
    });
    const channelId = await service.createChannel();
    const listenerId = await service.subscribe(channelId);
    for (let i = 0; i < 50; i += 1) await service.dispatch(channelId, listenerId, 'n', i);
    const source = eventSource(`${service.base}/stream/${channelId}/${listenerId}`);
    const log = new EventLog(source, ['n']);
    await log.until((l) => l.events.length >= 20);
    // Mid-stream: the server destroys the stream's connection (events may be in flight).
    for (const socket of sockets) socket.destroy();
    sockets.clear();
    for (let i = 50; i < 100; i += 1) await service.dispatch(channelId, listenerId, 'n', i);
    await log.until((l) => l.events.length >= 100 && l.errors >= 1);
    expect(log.errors).toBeGreaterThanOrEqual(1); // it did reconnect
    expect(log.events.map((e) => Number(e.data))).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const epoch = log.events[0]!.id.split('-')[0];
    expect(log.events.map((e) => e.id)).toEqual(Array.from({ length: 100 }, (_, i) => `${epoch}-${i + 1}`));
  });

  it('a resume from an id older than the history gets one events-lost event, then what is kept, then live', async () => {
    const service = await startService({ stream: { historySize: 3, retryMs: 20 } });
    const channelId = await service.createChannel();
    const listenerId = await service.subscribe(channelId);
    for (let i = 1; i <= 10; i += 1) await service.dispatch(channelId, listenerId, 'n', i);
    await service.dispatch(channelId, listenerId, '_eric_channel_closed');
    const first = await (await fetch(`${service.base}/stream/${channelId}/${listenerId}`)).text();
    const ids = [...first.matchAll(/^id: (.+)$/gm)].map((m) => m[1]!);
    expect(ids).toHaveLength(11);
    const epoch = ids[0]!.split('-')[0];

    const source = eventSource(`${service.base}/stream/${channelId}/${listenerId}?lastEventId=${epoch}-2`);
    const log = new EventLog(source, [MESSAGE_TYPE_EVENTS_LOST, 'n', '_eric_channel_closed']);
    await service.dispatch(channelId, listenerId, 'n', 11);
    await log.until((l) => l.events.some((e) => e.data === '11'));
    expect(log.events[0]!.type).toBe(MESSAGE_TYPE_EVENTS_LOST);
    expect(JSON.parse(log.events[0]!.data)).toEqual({ reason: 'expired', lastEventId: `${epoch}-2`, lost: 6, oldestKeptId: `${epoch}-9` });
    expect(log.events.slice(1).map((e) => [e.type, e.data, e.id])).toEqual([
      ['n', '9', `${epoch}-9`],
      ['n', '10', `${epoch}-10`],
      ['_eric_channel_closed', 'null', `${epoch}-11`],
      ['n', '11', `${epoch}-12`],
    ]);
  });

  it('an unknown id gets the events-lost event, then the live stream', async () => {
    const service = await startService();
    const channelId = await service.createChannel();
    const listenerId = await service.subscribe(channelId);
    const source = eventSource(`${service.base}/stream/${channelId}/${listenerId}?lastEventId=garbage`);
    const log = new EventLog(source, [MESSAGE_TYPE_EVENTS_LOST, 'n']);
    await service.dispatch(channelId, listenerId, 'n', 1);
    await log.until((l) => l.events.length === 2);
    expect(log.events.map((e) => e.type)).toEqual([MESSAGE_TYPE_EVENTS_LOST, 'n']);
    expect(JSON.parse(log.events[0]!.data)).toEqual({ reason: 'unknown', lastEventId: 'garbage' });
  });
});
