/** What the service's route plugins share, as `app.eric` (a Fastify decoration). */
import type { ChannelRegistry } from './channel-registry.js';
import type { JobHandlers } from './jobs/job-handlers.js';
import type { JobStore } from './jobs/job-store.js';
import type { OpenStreams } from './open-streams.js';

/** Settings of the service's event streams (see `writeEventStream` for each). */
export interface StreamSettings {
  /** `retry:` sent first, in milliseconds. @default 3000 */
  retryMs: number;
  /** Heartbeat comment after this much idle time, in milliseconds; 0 = none. @default 15000 */
  heartbeatMs: number;
  /** A client that does not read for this long, in milliseconds, is disconnected; 0 = never. @default 30000 */
  maxBlockedMs: number;
  /** Events kept per listener for clients that resume with `Last-Event-ID`. @default 1000 */
  historySize: number;
}

/** The service's state, for its route plugins (and plugins added later: jobs, a page). */
export interface ServiceContext {
  /** The channels. */
  readonly channels: ChannelRegistry;
  /** Open streams and histories, per listener. */
  readonly streams: OpenStreams;
  /** Stream settings. */
  readonly streamSettings: Readonly<StreamSettings>;
  /** Aborted when the service starts closing: streams send the closed message and end. */
  readonly closing: AbortSignal;
  /** The handlers jobs may run. */
  readonly handlers: JobHandlers;
  /** The processing jobs. */
  readonly jobs: JobStore;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** eric-sse's state: channels, open streams, settings, jobs. */
    eric: ServiceContext;
  }
}
