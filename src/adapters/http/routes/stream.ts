/** GET /stream/C/L: listener L's messages as a resumable `text/event-stream`. */
import type { OutgoingHttpHeaders } from 'node:http';
import type { FastifyPluginAsync } from 'fastify';
import { InvalidChannelException, InvalidListenerException } from '../../../engine/errors.js';
import type { MessageQueueListener } from '../../../engine/listener.js';
import { MESSAGE_TYPE_CLOSED } from '../../../engine/message.js';
import type { SSEChannel } from '../../../engine/sse-channel.js';
import { channelEvents } from '../channel-events.js';
import { lastEventIdOf, sharedEvent, writeEventStream, type CallbackIterator } from '../event-stream.js';
import type { StreamEvent } from '../sse-format.js';
import { ignoreBodies } from './ignore-bodies.js';

const kClosedEvent: StreamEvent = sharedEvent({ event: MESSAGE_TYPE_CLOSED, data: 'null' });

/**
 * The listener's events until `signal` aborts; when that is because the service is closing,
 * then the closed message, so that clients know the stream ended on purpose. `return()` ends it
 * at once (even while it waits) and resolves once an event still handed out has reached whoever
 * waited for it (the writer keeps such an event in the history). A plain iterator rather than
 * an async generator: no extra promises per event, and no `return()` queued behind a wait.
 */
function liveEvents(
  channel: SSEChannel,
  listener: MessageQueueListener,
  signal: AbortSignal,
  closing: AbortSignal,
): AsyncIterableIterator<StreamEvent> & CallbackIterator {
  const events = channelEvents(channel, listener, { signal });
  let ended = false;
  let pending: Promise<unknown> | undefined;
  const afterLast = (result: IteratorResult<StreamEvent, undefined>): IteratorResult<StreamEvent, undefined> => {
    if (!result.done || ended) return result;
    ended = true;
    return closing.aborted ? { done: false, value: kClosedEvent } : result;
  };
  // The callbacks of a pending `nextWith`, and whoever (`return()`) waits for its answer.
  let onResult: ((result: IteratorResult<StreamEvent, undefined>) => void) | undefined;
  let onError: ((error: unknown) => void) | undefined;
  let answered: (() => void) | undefined;
  const settle = (): void => {
    onResult = undefined;
    onError = undefined;
    answered?.();
    answered = undefined;
  };
  const resultCallback = (result: IteratorResult<StreamEvent, undefined>): void => {
    const deliver = onResult!;
    settle();
    deliver(afterLast(result));
  };
  const errorCallback = (error: unknown): void => {
    const fail = onError!;
    settle();
    fail(error);
  };
  return {
    next() {
      if (ended) return Promise.resolve({ done: true, value: undefined });
      const next = events.next().then(afterLast);
      pending = next;
      return next;
    },
    /** `next()` by callback (see `ListenerStream.nextWith`): what the writer calls, with no promise per event. */
    nextWith(resolve: (result: IteratorResult<StreamEvent, undefined>) => void, reject: (error: unknown) => void): void {
      if (ended) {
        queueMicrotask(() => resolve({ done: true, value: undefined }));
        return;
      }
      onResult = resolve;
      onError = reject;
      events.nextWith(resultCallback, errorCallback);
    },
    async return() {
      ended = true;
      await events.return?.();
      await pending?.catch(() => undefined);
      if (onResult !== undefined) await new Promise<void>((resolve) => (answered = resolve));
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/**
 * `GET /stream/:channelId/:listenerId[?lastEventId=ID][&token=T]`: 404 for an unknown channel
 * or listener; else starts the listener and streams its messages (see `writeEventStream`),
 * after replaying what a client resuming with `Last-Event-ID` missed. A new stream of the
 * listener ends the previous one; a client that leaves (or is too slow) stops the listener,
 * which stays registered, so its queue keeps what comes until the client is back.
 */
export const streamRoutes: FastifyPluginAsync = async (app) => {
  ignoreBodies(app);
  const { channels, streams, streamSettings, closing } = app.eric;
  const { historySize: _historySize, ...writerSettings } = streamSettings;

  // HEAD: the headers of a stream, without starting one (Fastify's automatic HEAD route would
  // run the stream and throw its events away).
  app.head<{ Params: { channelId: string; listenerId: string } }>(
    '/stream/:channelId/:listenerId',
    { config: { tokenInQuery: true } },
    async (request, reply) => {
      await channels.findListener(request.params.channelId, request.params.listenerId);
      return reply.header('cache-control', 'no-cache').type('text/event-stream; charset=utf-8').send();
    },
  );

  app.get<{ Params: { channelId: string; listenerId: string } }>(
    '/stream/:channelId/:listenerId',
    {
      exposeHeadRoute: false,
      config: { tokenInQuery: true },
      schema: {
        querystring: { type: 'object', properties: { lastEventId: { type: 'string' }, token: { type: 'string' } } },
      },
    },
    async (request, reply) => {
      const { channelId, listenerId } = request.params;
      await channels.findListener(channelId, listenerId); // 404 before anything starts
      // Ends with the service too: closeAll() ends every ticket, and begin() after it ends at once.
      const ticket = await streams.begin(channelId, listenerId);
      let source: AsyncIterableIterator<StreamEvent> | undefined;
      try {
        // Again: the channel or listener may have been removed while the previous stream ended.
        const { channel, listener } = await channels.findListener(channelId, listenerId);
        await listener.start();
        // ticket.signal alone (shutdown ends every ticket): no composite signal and no extra
        // controller per open stream, which an idle stream would otherwise keep in memory.
        source = liveEvents(channel, listener, ticket.signal, closing);
        reply.hijack();
        const lastEventId = lastEventIdOf(request.raw);
        const result = await writeEventStream(request.raw, reply.raw, source, {
          ...writerSettings,
          history: streams.history(channelId, listenerId),
          lastEventId,
          headers: reply.getHeaders() as OutgoingHttpHeaders,
        });
        if ((result.reason === 'client-closed' || result.reason === 'slow-client') && !ticket.signal.aborted) {
          listener.stopSync();
        }
        const level = result.reason === 'failed' ? 'error' : 'info';
        request.log[level](
          { channelId, listenerId, lastEventId, reason: result.reason, events: result.eventsWritten, err: result.error },
          'stream ended',
        );
        // Ended because the listener was removed (through another process, maybe, which
        // cannot drop this process's history of it): drop it here.
        if (result.reason === 'completed') {
          await channels.findListener(channelId, listenerId).catch((error: unknown) => {
            if (error instanceof InvalidChannelException || error instanceof InvalidListenerException) streams.forget(channelId, listenerId);
          });
        }
      } finally {
        // Stop the source at once, and wait until it has: an event it still hands out is then
        // in the history before a successor computes its replay.
        await source?.return?.();
        ticket.end();
      }
    },
  );
};
