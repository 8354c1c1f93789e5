// The `ctx` handed to handlers inside a worker thread: calls into the main thread's
// channel through Comlink over a BroadcastChannel.
import { BroadcastChannel } from 'node:worker_threads';
import { wrap, type Remote } from 'comlink';
import type { ChannelCallbacks, HandlerContext } from '../engine/worker-listener.js';
import type { ContextAddress } from '../engine/processing/protocol.js';

// One Comlink proxy per endpoint name, opened on first use so that handlers that never
// touch `ctx` cost nothing.
const remotes = new Map<string, Remote<ChannelCallbacks>>();
const contexts = new Map<string, HandlerContext>();

function remoteFor(endpoint: string): Remote<ChannelCallbacks> {
  let remote = remotes.get(endpoint);
  if (remote === undefined) {
    const port = new BroadcastChannel(endpoint);
    // Never keep the thread alive for the callback channel: piscina decides its lifetime.
    (port as unknown as { unref(): void }).unref();
    // Comlink matches replies by request id, so replies meant for other threads are ignored.
    remote = wrap<ChannelCallbacks>(port as unknown as Parameters<typeof wrap>[0]);
    remotes.set(endpoint, remote);
  }
  return remote;
}

/** The context for handlers processing `address.listenerId`'s queue (cached: one object per address). */
export function contextFor(address: ContextAddress): HandlerContext {
  const key = `${address.endpoint}\n${address.listenerId}`;
  let ctx = contexts.get(key);
  if (ctx === undefined) {
    const { endpoint, channelId, listenerId } = address;
    ctx = Object.freeze({
      channelId,
      listenerId,
      dispatch: (to: string, type: string, payload?: unknown) => remoteFor(endpoint).dispatch(to, type, payload),
      broadcast: (type: string, payload?: unknown) => remoteFor(endpoint).broadcast(type, payload),
    }) as HandlerContext;
    contexts.set(key, ctx);
  }
  return ctx;
}
