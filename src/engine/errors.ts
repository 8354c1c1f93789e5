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
 * Raised (as a rejection) when a message cannot be added to a full bounded queue: its
 * `whenFull` is `'reject'`, or the queue was deleted while the push waited for room.
 * The message was not added.
 */
export class QueueFullException extends Error {
  override readonly name = 'QueueFullException';
}

/**
 * Raised when a queue backend fails unexpectedly. Queue implementations wrap the
 * failure they caught as `cause`.
 */
export class RepositoryError extends Error {
  override readonly name = 'RepositoryError';
}

/**
 * The name and message of any thrown value, for error events and error lines. Never throws,
 * whatever was thrown: `Object.create(null)`, an object whose `toString` or `message` getter
 * throws, a revoked proxy.
 */
export function errorParts(error: unknown): { name: string; message: string } {
  let name = 'Error';
  let message: string;
  try {
    if (error instanceof Error) {
      name = typeof error.name === 'string' ? error.name : 'Error';
      message = typeof error.message === 'string' ? error.message : safeString(error.message);
    } else {
      message = safeString(error);
    }
  } catch {
    message = 'an error that cannot be described (reading it threw)';
  }
  return { name, message };
}

/** `String(value)`, or a fallback when even that throws (no `toString`, a throwing one). */
function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return `an unprintable value ${JSON.stringify(value) ?? typeof value}`;
    } catch {
      return `an unprintable ${typeof value}`;
    }
  }
}

/** Describes any thrown value as text (`Name: message`), for error messages and error events. Never throws. */
export function describeError(error: unknown): string {
  const { name, message } = errorParts(error);
  return error instanceof Error ? `${name}: ${message}` : message;
}
