// One consumer process of the Redis benchmark: waits for "go" on stdin, runs processQueue
// with a no-op main-thread handler until its closed message, prints "done COUNT".
import { createInterface } from 'node:readline';
import { DataProcessingChannel, MessageQueueListener, RedisQueueFactory } from 'eric-sse';

const [url, prefix, channelId, listenerId, maxWorkers] = process.argv.slice(2);
const queuesFactory = new RedisQueueFactory({ url, prefix, consumerName: `bench-${process.pid}` });
const channel = new DataProcessingChannel({ id: channelId, maxWorkers: Number(maxWorkers), queuesFactory });
const listener = new MessageQueueListener({ id: listenerId }); // onMessage: a no-op
await channel.registerListener(listener);
const lines = createInterface({ input: process.stdin });
process.stdout.write('ready\n');
for await (const line of lines) if (line === 'go') break;
let count = 0;
for await (const _event of channel.processQueue(listener)) count += 1;
process.stdout.write(`done ${count}\n`);
await channel.close();
await queuesFactory.close();
process.exit(0);
