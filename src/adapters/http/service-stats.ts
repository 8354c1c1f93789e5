/**
 * The service's figures at one moment: what `GET /stats` answers (for the page) and what
 * `GET /metrics` reports to Prometheus.
 */
import type { JobState } from '../../engine/jobs/processing-job.js';
import type { ServiceContext } from './service-context.js';

/** `GET /stats`: the service's figures now. */
export interface ServiceStats {
  /** Most worker threads a job may use (`--max-workers`). */
  maxWorkers: number;
  /** Names of the registered job handlers. */
  handlers: string[];
  /** Open event streams: of listeners (`/stream/C/L`) and of jobs (`/jobs/J/stream`). */
  streams: { listeners: number; jobs: number };
  /** Messages waiting per channel, summed over its listeners' queues. */
  queuedMessages: Record<string, number>;
  /** Kept jobs by state. */
  jobs: Record<JobState, number>;
  /** Rows finished (failed ones included) and failed, by every job since the service started. */
  rows: { processed: number; failed: number };
  /** Rows per second of the running jobs together, lately. */
  rowsPerSecond: number;
  /** Worker threads of running jobs, and how many of them run a handler now. */
  workerThreads: { total: number; busy: number };
}

/** The service's figures now. */
export async function serviceStats(context: ServiceContext): Promise<ServiceStats> {
  const { jobs } = context;
  let rowsPerSecond = 0;
  let total = 0;
  let busy = 0;
  for (const stored of jobs.list()) {
    if (stored.job.state !== 'running') continue;
    rowsPerSecond += stored.rowsPerSecond;
    total += stored.job.workers;
    busy += stored.job.busyWorkers;
  }
  return {
    maxWorkers: jobs.settings.maxWorkers,
    handlers: context.handlers.names(),
    streams: { listeners: context.streams.size, jobs: jobs.openStreams },
    queuedMessages: Object.fromEntries(await context.channels.queuedMessages()),
    jobs: jobs.countByState(),
    rows: { processed: jobs.totals.rowsProcessed, failed: jobs.totals.rowsFailed },
    rowsPerSecond,
    workerThreads: { total, busy },
  };
}
