// The ids every process of the example uses: the same ids mean the same Redis queue.
export const kChannelId = 'redis-workers';
export const kListenerId = 'squares';
