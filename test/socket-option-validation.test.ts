// Invalid options of the socket server and client are refused up front with a message that
// quotes strings and names the type of what was given (`got "4" (string)`, not `got 4`).
import { describe, expect, it } from 'vitest';
import { SocketClient, SocketServer } from 'eric-sse';
import { tempSocketPath } from './socket-helpers.js';

describe('socket option validation', () => {
  it.each(['mode', 'maxRequestBytes', 'maxRequestDepth', 'idleTimeoutMs', 'peerCheckIntervalMs', 'shutdownTimeoutMs'])(
    'names the type of a wrong %s',
    (name) => {
      const path = tempSocketPath();
      expect(() => new SocketServer(path, { [name]: '4' })).toThrow(
        new TypeError(`SocketServer option ${name} must be an integer, got "4" (string)`),
      );
      expect(() => new SocketServer(path, { [name]: 1.5 })).toThrow(
        new TypeError(`SocketServer option ${name} must be an integer, got 1.5 (number)`),
      );
      expect(() => new SocketServer(path, { [name]: -1 })).toThrow(RangeError);
    },
  );

  it('refuses null or non-object options, a non-function onError and a non-string path', () => {
    const path = tempSocketPath();
    expect(() => new SocketServer(path, null as never)).toThrow(new TypeError('SocketServer options must be an object, got null'));
    expect(() => new SocketServer(path, 'fast' as never)).toThrow(
      new TypeError('SocketServer options must be an object, got "fast" (string)'),
    );
    expect(() => new SocketServer(path, { onError: 'log' as never })).toThrow(
      new TypeError('SocketServer option onError must be a function, got "log" (string)'),
    );
    expect(() => new SocketServer(5 as never)).toThrow(new TypeError('SocketServer socketPath must be a non-empty string, got 5 (number)'));
    expect(() => new SocketServer('')).toThrow(/SocketServer socketPath must be a non-empty string, got "" \(string\)/);
    expect(() => new SocketClient(null as never)).toThrow(new TypeError('SocketClient socketPath must be a non-empty string, got null'));
  });

  it('handleCommand refuses null options', async () => {
    const server = new SocketServer(tempSocketPath());
    await expect(server.handleCommand('{"v": "c"}', null as never).next()).rejects.toThrow(
      new TypeError('handleCommand options must be an object, got null'),
    );
  });
});
