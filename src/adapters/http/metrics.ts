/**
 * The service's Prometheus metrics (prom-client): one registry per service instance, so that
 * two services in one process never mix their figures. Filled from {@link serviceStats} at
 * each scrape, plus Node's default process metrics.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import type { ServiceStats } from './service-stats.js';

/** The service's metrics and their registry. */
export class ServiceMetrics {
  /** The registry `GET /metrics` renders. */
  readonly registry = new Registry();
  readonly #streamClients: Gauge<'kind'>;
  readonly #queuedMessages: Gauge<'channel'>;
  readonly #jobs: Gauge<'state'>;
  readonly #rowsProcessed: Counter;
  readonly #rowsFailed: Counter;
  readonly #rowsPerSecond: Gauge;
  readonly #workerThreads: Gauge;
  readonly #workerThreadsBusy: Gauge;

  constructor() {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.#streamClients = new Gauge({
      name: 'eric_sse_stream_clients',
      help: 'Connected event-stream clients, by kind: listener (/stream/C/L) or job (/jobs/J/stream)',
      labelNames: ['kind'],
      registers,
    });
    this.#queuedMessages = new Gauge({
      name: 'eric_sse_queued_messages',
      help: "Messages waiting in a channel's listener queues",
      labelNames: ['channel'],
      registers,
    });
    this.#jobs = new Gauge({ name: 'eric_sse_jobs', help: 'Kept processing jobs, by state', labelNames: ['state'], registers });
    this.#rowsProcessed = new Counter({ name: 'eric_sse_job_rows_processed_total', help: 'Rows finished by jobs (failed ones included)', registers });
    this.#rowsFailed = new Counter({ name: 'eric_sse_job_rows_failed_total', help: 'Rows that failed in jobs', registers });
    this.#rowsPerSecond = new Gauge({ name: 'eric_sse_job_rows_per_second', help: 'Rows per second of the running jobs together', registers });
    this.#workerThreads = new Gauge({ name: 'eric_sse_worker_threads', help: 'Worker threads of running jobs', registers });
    this.#workerThreadsBusy = new Gauge({ name: 'eric_sse_worker_threads_busy', help: 'Worker threads of running jobs that run a handler now', registers });
  }

  /** The metrics in Prometheus text format, with these figures. */
  async render(stats: ServiceStats): Promise<string> {
    this.#streamClients.set({ kind: 'listener' }, stats.streams.listeners);
    this.#streamClients.set({ kind: 'job' }, stats.streams.jobs);
    this.#queuedMessages.reset(); // channels removed since the last scrape disappear
    for (const [channel, queued] of Object.entries(stats.queuedMessages)) this.#queuedMessages.set({ channel }, queued);
    for (const [state, count] of Object.entries(stats.jobs)) this.#jobs.set({ state }, count);
    // Counters mirror the store's totals (which only grow): reset and add, never decrease.
    this.#rowsProcessed.reset();
    this.#rowsProcessed.inc(stats.rows.processed);
    this.#rowsFailed.reset();
    this.#rowsFailed.inc(stats.rows.failed);
    this.#rowsPerSecond.set(stats.rowsPerSecond);
    this.#workerThreads.set(stats.workerThreads.total);
    this.#workerThreadsBusy.set(stats.workerThreads.busy);
    return this.registry.metrics();
  }

  /** The content type of {@link render}'s text. */
  get contentType(): string {
    return this.registry.contentType;
  }
}
