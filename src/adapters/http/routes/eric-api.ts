/**
 * The REST routes of eric-api (the Python service over eric_sse), same paths, parameters and
 * answers, so that its clients work unchanged: channels, listeners, dispatch and broadcast.
 */
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { InvalidChannelException } from '../../../engine/errors.js';
import { Message, type Payload } from '../../../engine/message.js';
import { ignoreBodies } from './ignore-bodies.js';

/** What a channel or listener id may be: URL-safe, so that it fits in a path. */
export const kIdSchema = { type: 'string', pattern: '^[A-Za-z0-9._~-]{1,128}$' } as const;

const kMessageBody = {
  type: 'object',
  required: ['type'],
  properties: {
    // A line break would not survive the event stream's framing: refuse it here.
    type: { type: 'string', minLength: 1, maxLength: 1024, pattern: '^[^\\r\\n]*$' },
    payload: {},
  },
} as const;

interface MessageBody {
  type: string;
  payload?: Payload;
}

/** Answers eric-api's empty success: JSON `null`, as FastAPI does for a route returning None. */
const kNull = 'null';

/** GET /, GET /channels, PUT /create, POST /subscribe, DELETE /listener/C/L, DELETE /channel/C. */
async function bodilessRoutes(app: FastifyInstance): Promise<void> {
  const { channels, streams } = app.eric;

  app.get('/channels', async () => channels.channelIds());

  app.put<{ Querystring: { channel_id?: string } }>(
    '/create',
    { schema: { querystring: { type: 'object', properties: { channel_id: kIdSchema } } } },
    async (request, reply) => {
      const id = request.query.channel_id;
      try {
        return { channel_id: (await channels.create(id)).id };
      } catch (error) {
        if (id === undefined || !(error instanceof InvalidChannelException)) throw error;
        return reply.code(409).send({ message: `channel_id: a channel with id ${JSON.stringify(id)} already exists` });
      }
    },
  );

  app.post<{ Querystring: { channel_id: string } }>(
    '/subscribe',
    { schema: { querystring: { type: 'object', required: ['channel_id'], properties: { channel_id: { type: 'string' } } } } },
    async (request) => ({ listener_id: (await channels.subscribe(request.query.channel_id)).id }),
  );

  app.delete<{ Params: { channelId: string; listenerId: string } }>('/listener/:channelId/:listenerId', async (request, reply) => {
    const { channelId, listenerId } = request.params;
    await channels.unsubscribe(channelId, listenerId);
    streams.forget(channelId, listenerId);
    return reply.type('application/json').send(kNull);
  });

  app.delete<{ Params: { channelId: string } }>('/channel/:channelId', async (request, reply) => {
    const { channelId } = request.params;
    await channels.remove(channelId);
    streams.forget(channelId);
    return reply.type('application/json').send(kNull);
  });

  app.get('/', async (request, reply) => {
    if (prefersHtml(request.headers.accept)) return reply.redirect('/ui/', 302);
    const ids = await channels.channelIds();
    const listeners = await Promise.all(
      ids.map(async (id) => {
        try {
          return await channels.listenerIds(id);
        } catch (error) {
          if (error instanceof InvalidChannelException) return undefined; // deleted since it was listed: left out
          throw error;
        }
      }),
    );
    const answer: Record<string, string[]> = {};
    ids.forEach((id, i) => {
      const listenerIds = listeners[i];
      if (listenerIds !== undefined) answer[id] = listenerIds;
    });
    return answer;
  });
}

/** POST /dispatch and POST /broadcast: a JSON body `{"type", "payload"}`. */
async function messageRoutes(app: FastifyInstance): Promise<void> {
  const { channels } = app.eric;

  app.post<{ Querystring: { channel_id: string; listener_id: string }; Body: MessageBody }>(
    '/dispatch',
    {
      schema: {
        querystring: {
          type: 'object',
          required: ['channel_id', 'listener_id'],
          properties: { channel_id: { type: 'string' }, listener_id: { type: 'string' } },
        },
        body: kMessageBody,
      },
    },
    async (request, reply) => {
      const { channel_id: channelId, listener_id: listenerId } = request.query;
      const { type, payload } = request.body;
      const { channel } = await channels.findListener(channelId, listenerId);
      await channel.dispatch(listenerId, new Message(type, payload));
      return reply.type('application/json').send(kNull);
    },
  );

  app.post<{ Querystring: { channel_id: string }; Body: MessageBody }>(
    '/broadcast',
    {
      schema: {
        querystring: { type: 'object', required: ['channel_id'], properties: { channel_id: { type: 'string' } } },
        body: kMessageBody,
      },
    },
    async (request, reply) => {
      const { type, payload } = request.body;
      await (await channels.find(request.query.channel_id)).broadcast(new Message(type, payload));
      return reply.type('application/json').send(kNull);
    },
  );
}

/**
 * Whether an `Accept` header prefers HTML to JSON (a browser's does; curl's `*\/*` does not):
 * `text/html` listed with a quality above that of `application/json` (or of `*\/*`).
 */
export function prefersHtml(accept: string | undefined): boolean {
  if (!accept) return false;
  let html = 0;
  let json = 0;
  for (const part of accept.split(',')) {
    const [range = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2)) || 0;
    if (range === 'text/html') html = Math.max(html, q);
    else if (range === 'application/json' || range === 'application/*' || range === '*/*') json = Math.max(json, q);
  }
  return html > 0 && html > json;
}

/** The eric-api routes, as one plugin. */
export const ericApiRoutes: FastifyPluginAsync = async (app) => {
  await app.register(async (scope) => {
    ignoreBodies(scope);
    await bodilessRoutes(scope);
  });
  await app.register(messageRoutes);
};
