// The producer process: dispatches N jobs to the shared queue, then one closed message per
// consumer. `node producer.js JOBS CONSUMERS` (REDIS_URL, PREFIX from the environment).
import { DataProcessingChannel, Message, MESSAGE_TYPE_CLOSED, RedisQueueFactory, WorkerListener } from 'eric-sse';
import { kChannelId, kListenerId } from './ids.js';

const jobs = Number(process.argv[2] ?? 20);
const consumers = Number(process.argv[3] ?? 3);
const queuesFactory = new RedisQueueFactory({ url: process.env.REDIS_URL, prefix: process.env.PREFIX });
const channel = new DataProcessingChannel({ id: kChannelId, maxWorkers: 1, queuesFactory });
await channel.registerListener(new WorkerListener(new URL('./work.js', import.meta.url), { id: kListenerId }));
// Pipelined: every dispatch in flight at once on one connection.
await Promise.all(Array.from({ length: jobs }, (_, job) => channel.dispatch(kListenerId, new Message('job', { job, n: job }))));
for (let i = 0; i < consumers; i += 1) await channel.dispatch(kListenerId, new Message(MESSAGE_TYPE_CLOSED));
console.log(`producer: dispatched ${jobs} job(s) and ${consumers} closed message(s)`);
await channel.close();
await queuesFactory.close();
