import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_INTERNAL_ERROR } from 'eric-sse';
import { collect, dispatchAll, workerSetup } from './processing-helpers.js';

// A thread that dies takes its whole batch with it: the engine retries that batch message by
// message, so only the culprit is reported and every other message still yields its result.
async function runWithCulprit(kind: string, count = 120): Promise<{ ok: number; errors: { event: string; data: unknown }[] }> {
  const setup = workerSetup('thread-killing-handler.js', {
    maxWorkers: 2,
    // A small heap so the "oom" culprit dies quickly.
    resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
  });
  const { channel } = setup;
  const culpritAt = count / 2;
  await dispatchAll(channel, setup.listener.id, Array.from({ length: count }, (_, i) => [i === culpritAt ? kind : 'row', i] as const));
  await channel.notifyEnd();
  const events = await collect(channel.processQueue(setup.listener, { ordered: true }));
  expect(events).toHaveLength(count);
  events.forEach((event, i) => {
    if (i !== culpritAt) expect(event).toEqual({ event: 'row', data: `ok ${i}` });
  });
  return { ok: events.filter((e) => e.event === 'row').length, errors: events.filter((e) => e.event === MESSAGE_TYPE_INTERNAL_ERROR) };
}

describe('processQueue: a worker thread that dies', () => {
  it('reports process.exit in the handler as an error for that message only, and goes on', async () => {
    const { ok, errors } = await runWithCulprit('exit');
    expect(ok).toBe(119);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.data).toMatchObject({ type: 'exit', payload: 60, message: expect.stringContaining('exited') });
  });

  it('reports an uncaught error in the thread as an error for that message only, and goes on', async () => {
    const { ok, errors } = await runWithCulprit('uncaught');
    expect(ok).toBe(119);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.data).toMatchObject({ type: 'uncaught', payload: 60, message: 'uncaught in worker' });
  });

  it('reports a thread out of memory (resourceLimits) as an error for that message only, and goes on', async () => {
    const { ok, errors } = await runWithCulprit('oom', 20);
    expect(ok).toBe(19);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.data).toMatchObject({ type: 'oom', payload: 10 });
  });
});
