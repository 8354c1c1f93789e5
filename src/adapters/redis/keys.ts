/**
 * The Redis keys of one listener of one channel. Every key of a channel starts with
 * `prefix{channelId}`: the channel id is the hash tag, so that the keys one script touches
 * (the registry and every listener's stream) live in one Redis Cluster slot.
 */
export interface RedisKeys {
  readonly channelId: string;
  readonly listenerId: string;
  /** The channel's listener ids: a sorted set, scored by registration time (ms). */
  readonly registry: string;
  /** The listener's stream: its queue. */
  readonly stream: string;
  /** Counts the wake-up entries in `stream` (see the `kRequeue` script). */
  readonly wakeups: string;
  /** Set while a removed listener's queue must not be recreated. */
  readonly tombstone: string;
  /** `stream` without the listener id: the broadcast script completes it. */
  readonly streamPrefix: string;
}

/** The keys of `listenerId` in `channelId`, under `prefix`. */
export function redisKeys(prefix: string, channelId: string, listenerId: string): RedisKeys {
  const base = `${prefix}{${channelId}}`;
  return {
    channelId,
    listenerId,
    registry: `${base}:listeners`,
    stream: `${base}:queue:${listenerId}`,
    tombstone: `${base}:removed:${listenerId}`,
    wakeups: `${base}:wakeups:${listenerId}`,
    streamPrefix: `${base}:queue:`,
  };
}
