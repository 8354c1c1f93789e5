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
export { DataProcessingChannel } from './engine/data-processing-channel.js';
export { WorkerListener } from './engine/worker-listener.js';
export { SocketServer } from './adapters/socket/socket-server.js';
export { SocketClient } from './adapters/socket/socket-client.js';

export type { JsonValue, MessageContract, Payload } from './engine/message.js';
export type { ListenerOptions } from './engine/listener.js';
export type { PushOptions, Queue, QueueOwner } from './engine/queue.js';
export type { InMemoryQueueOptions, WhenFull } from './engine/in-memory-queue.js';
export type { ChannelOptions, DispatchOptions } from './engine/channel.js';
export type { SSEChannelOptions, SSEEvent } from './engine/sse-channel.js';
export type { Action } from './engine/distributed-listener.js';
export type {
  DataProcessingChannelOptions,
  ProcessedEvent,
  ProcessQueueOptions,
} from './engine/data-processing-channel.js';
export type { HandlerContext, MessageHandler, WorkerListenerOptions } from './engine/worker-listener.js';
export type { HandleCommandOptions, SocketServerOptions } from './adapters/socket/socket-server.js';
export type { SocketRequest } from './adapters/socket/socket-client.js';
