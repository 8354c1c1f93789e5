/** Raised when a channel id names no channel (or the channel can no longer be used). */
export class InvalidChannelException extends Error {
  override readonly name = 'InvalidChannelException';
}

/** Raised when a listener id names no listener registered on the channel. */
export class InvalidListenerException extends Error {
  override readonly name = 'InvalidListenerException';
}

/** Raised when a message or a command is malformed: a missing type, bad JSON, an unknown verb. */
export class InvalidMessageFormat extends Error {
  override readonly name = 'InvalidMessageFormat';
}

/** Raised (as a rejection) when popping from an empty queue. */
export class NoMessagesException extends Error {
  override readonly name = 'NoMessagesException';
}

/**
 * Raised when a queue backend fails unexpectedly. Queue implementations wrap the
 * failure they caught as `cause`.
 */
export class RepositoryError extends Error {
  override readonly name = 'RepositoryError';
}

/** Describes any thrown value as text, for error messages and error events. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
