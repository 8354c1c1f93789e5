// The public surface of eric-sse: every value export, then every type export.

export {
  InvalidChannelException,
  InvalidListenerException,
  InvalidMessageFormat,
  NoMessagesException,
  QueueFullException,
  RepositoryError,
} from './engine/errors.js';
export {
  Message,
  SignedMessage,
  UniqueMessage,
  MESSAGE_TYPE_CLOSED,
  MESSAGE_TYPE_END_OF_STREAM,
  MESSAGE_TYPE_INTERNAL_ERROR,
} from './engine/message.js';
export { MessageQueueListener } from './engine/listener.js';
export { AbstractMessageQueueFactory } from './engine/queue.js';
export { InMemoryMessageQueueFactory, InMemoryQueue } from './engine/in-memory-queue.js';
export { AbstractChannel, internalErrorMessage } from './engine/channel.js';
export { SSEChannel } from './engine/sse-channel.js';
export { SimpleDistributedApplicationListener } from './engine/distributed-listener.js';
export { SSEChannelContainer } from './engine/container.js';
export { DataProcessingChannel, isInternalErrorEvent } from './engine/data-processing-channel.js';
export { WorkerListener } from './engine/worker-listener.js';
export { JOB_EVENT_END, JOB_EVENT_PROGRESS, JOB_EVENT_RESULT, ProcessingJob } from './engine/jobs/processing-job.js';
export { ndjsonRows, RowError } from './engine/jobs/rows.js';
export { SocketServer } from './adapters/socket/socket-server.js';
export { SocketClient } from './adapters/socket/socket-client.js';
export { formatComment, formatEvent, formatRetry } from './adapters/http/sse-format.js';
export { EventHistory, MESSAGE_TYPE_EVENTS_LOST, newEpoch } from './adapters/http/event-history.js';
export { lastEventIdOf, sharedEvent, writeEventStream } from './adapters/http/event-stream.js';
export { channelEvents, toStreamEvent } from './adapters/http/channel-events.js';
export { ChannelRegistry } from './adapters/http/channel-registry.js';
export { RedisChannelRegistry } from './adapters/http/redis-channel-registry.js';
export { createService } from './adapters/http/service.js';
export { UnknownJobError } from './adapters/http/jobs/job-store.js';
export { RedisQueueFactory } from './adapters/redis/redis-queue-factory.js';
export { RedisQueue } from './adapters/redis/redis-queue.js';

export type { JsonCompatible, JsonValue, MessageContract, Payload } from './engine/message.js';
export type { ListenerOptions } from './engine/listener.js';
export type { ListenerRegistry, PushOptions, Queue, QueueOwner } from './engine/queue.js';
export type { InMemoryQueueOptions, WhenFull } from './engine/in-memory-queue.js';
export type { Taker } from './engine/hand-off.js';
export type { ListenerStream } from './engine/listener-stream.js';
export type { ChannelOptions, DispatchOptions } from './engine/channel.js';
export type { SSEChannelOptions, SSEEvent } from './engine/sse-channel.js';
export type { Action } from './engine/distributed-listener.js';
export type {
  DataProcessingChannelOptions,
  IdleThreads,
  InternalErrorData,
  ProcessedErrorEvent,
  ProcessedEvent,
  ProcessedResultEvent,
  ProcessQueueOptions,
} from './engine/data-processing-channel.js';
export type { HandlerContext, MessageHandler, WorkerListenerOptions } from './engine/worker-listener.js';
export type { JobEvent, JobProgress, JobState, JobSummary, ProcessingJobOptions } from './engine/jobs/processing-job.js';
export type { MessageStreamOptions } from './engine/channel.js';
export type { HandleCommandOptions, SocketServerOptions } from './adapters/socket/socket-server.js';
export type { SocketRequest } from './adapters/socket/socket-client.js';
export type { StreamEvent } from './adapters/http/sse-format.js';
export type { EventHistoryOptions, EventsLostData, RecordedEvent, Replay } from './adapters/http/event-history.js';
export type {
  EventStreamEnd,
  EventStreamRequest,
  EventStreamResponse,
  EventStreamResult,
  WriteEventStreamOptions,
} from './adapters/http/event-stream.js';
export type { ChannelRegistryOptions } from './adapters/http/channel-registry.js';
export type { RedisChannelRegistryOptions } from './adapters/http/redis-channel-registry.js';
export type { FoundListener, ServiceChannels } from './adapters/http/service-channels.js';
export type { LogLevel, ServiceOptions } from './adapters/http/service.js';
export type { ServiceContext, StreamSettings } from './adapters/http/service-context.js';
export type { JobSettings, JobStatus } from './adapters/http/jobs/job-store.js';
export type { JobHandler, JobHandlerLocation } from './adapters/http/jobs/job-handlers.js';
export type { ServiceStats } from './adapters/http/service-stats.js';
export type { RedisQueueFactoryOptions } from './adapters/redis/redis-queue-factory.js';
