// Starts a processing job (POST /jobs) and follows its event stream (GET /jobs/J/stream).

import { del, enc, post } from './api.js';
import { parseData } from './dom.js';
import { openEventStream } from './sse.js';

/** The job's stream was refused (say, 404: the service restarted and forgot the job). */
export class JobLostError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'JobLostError';
    this.status = status;
  }
}

/**
 * Starts a job of `handler` over `rows` with `workers` threads (`ordered`: results in row
 * order) and follows it (see {@link followJob}).
 */
export async function startJob({ handler, rows, workers, ordered }, on = {}) {
  const { job_id: jobId } = await post('/jobs', { handler, rows, workers, ordered });
  return followJob(jobId, on);
}

/**
 * Follows job `jobId` from its first event (while the service keeps them) and streams it to `on`:
 * `result(index, data)`, `failure(index, name, message)`, `progress({ done, failed, total,
 * rowsPerSecond })`, `lost(data)` (events lost before a resume), `interrupted(reason)`
 * (the connection dropped; it resumes by itself), `resumed()`.
 * Returns `{ jobId, finished, cancel, detach }`:
 * `finished` resolves with the `end` event's data `{ done, failed, cancelled, elapsedMs }`,
 * or rejects with JobLostError; `cancel()` asks the service to cancel; `detach()` stops
 * following (the job goes on).
 */
export function followJob(jobId, on = {}) {
  let resolveFinished;
  let rejectFinished;
  const finished = new Promise((resolve, reject) => {
    resolveFinished = resolve;
    rejectFinished = reject;
  });
  let interrupted = false;
  const stream = openEventStream(`/jobs/${enc(jobId)}/stream`, {
    onOpen() {
      if (interrupted) on.resumed?.();
      interrupted = false;
    },
    onEvent({ type, data: text }) {
      const data = parseData(text);
      switch (type) {
        case 'result':
          on.result?.(data.index, data.data);
          break;
        case '_eric_error':
          on.failure?.(data.index, data.name ?? 'Error', data.message ?? String(text));
          break;
        case 'progress':
          on.progress?.(data);
          break;
        case '_eric_events_lost':
          on.lost?.(data);
          break;
        case 'end':
          stream.close();
          resolveFinished(data);
          break;
        default:
          break;
      }
    },
    onRetrying(reason) {
      interrupted = true;
      on.interrupted?.(reason);
    },
    onClosed({ status, message }) {
      const why = status === 404 ? 'the service no longer knows this job (it was restarted?)' : status === 204 ? 'its stream had already ended' : message;
      rejectFinished(new JobLostError(status, why));
    },
  });
  return {
    jobId,
    finished,
    cancel: () => del(`/jobs/${enc(jobId)}`),
    detach: () => stream.close(),
  };
}
