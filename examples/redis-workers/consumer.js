// A consumer process: competes with the others for the jobs of one shared Redis queue and
// prints what it processed. `node consumer.js NAME` (REDIS_URL, PREFIX from the environment).
import { DataProcessingChannel, RedisQueueFactory, WorkerListener } from 'eric-sse';
import { kChannelId, kListenerId } from './ids.js';

const name = process.argv[2] ?? `consumer-${process.pid}`;
const queuesFactory = new RedisQueueFactory({ url: process.env.REDIS_URL, prefix: process.env.PREFIX, consumerName: name });
const channel = new DataProcessingChannel({ id: kChannelId, maxWorkers: 2, queuesFactory });
// The same listener id in every consumer process: they share its queue.
const listener = new WorkerListener(new URL('./work.js', import.meta.url), { id: kListenerId });
await channel.registerListener(listener);
console.log(`${name}: ready`);

let count = 0;
// Ends at a closed message (the producer sends one per consumer).
for await (const { data } of channel.processQueue(listener)) {
  count += 1;
  console.log(`${name}: job ${data.job} -> ${data.square}`);
}
console.log(`${name}: done, ${count} job(s)`);
await channel.close();
await queuesFactory.close();
