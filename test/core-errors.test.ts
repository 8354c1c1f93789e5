import { describe, expect, it } from 'vitest';
import {
  InvalidChannelException,
  InvalidListenerException,
  InvalidMessageFormat,
  NoMessagesException,
  RepositoryError,
} from 'eric-sse';

const classes = [
  InvalidChannelException,
  InvalidListenerException,
  InvalidMessageFormat,
  NoMessagesException,
  RepositoryError,
] as const;

describe.each(classes.map((ErrorClass) => [ErrorClass.name, ErrorClass] as const))('%s', (name, ErrorClass) => {
  it('is an Error whose name is its class name', () => {
    const error = new ErrorClass('what went wrong');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(error.name).toBe(name);
    expect(error.message).toBe('what went wrong');
    expect(String(error)).toBe(`${name}: what went wrong`);
  });

  it('is not an instance of the other error classes', () => {
    const error = new ErrorClass('x');
    for (const Other of classes) if (Other !== ErrorClass) expect(error).not.toBeInstanceOf(Other);
  });

  it('keeps a cause', () => {
    const cause = new Error('root');
    expect(new ErrorClass('wrapped', { cause }).cause).toBe(cause);
  });
});
