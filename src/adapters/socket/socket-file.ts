/**
 * The socket file's life: refusing a path where a live server answers, replacing a stale file
 * left by a crashed server, and binding with restricted permissions.
 */
import { chmod, lstat, unlink } from 'node:fs/promises';
import net from 'node:net';
import { describeValue } from '../../engine/validation.js';

/**
 * Longest socket path, in bytes of UTF-8, that every client can connect to: the size of
 * `sockaddr_un.sun_path` less its terminating NUL (108 - 1 on Linux, 104 - 1 on macOS and the
 * BSDs). Python's `socket` refuses longer paths ("AF_UNIX path too long"), and the kernel or
 * libuv would otherwise truncate them silently and bind somewhere else.
 */
export const kMaxSocketPathBytes = process.platform === 'linux' || process.platform === 'android' ? 107 : 103;

/**
 * Checks a socket path before anything touches the file system.
 * @param owner - who checks, for the message (e.g. `SocketServer`).
 * @throws TypeError for a path that is not a non-empty string; RangeError for a path longer
 *   than `kMaxSocketPathBytes` bytes of UTF-8, naming the limit and the path's length.
 */
export function checkSocketPath(socketPath: unknown, owner: string): string {
  if (typeof socketPath !== 'string' || socketPath.length === 0) {
    throw new TypeError(`${owner} socketPath must be a non-empty string, got ${describeValue(socketPath)}`);
  }
  const bytes = Buffer.byteLength(socketPath, 'utf8');
  if (bytes > kMaxSocketPathBytes) {
    throw new RangeError(
      `${owner} socketPath is ${bytes} bytes long (UTF-8) but a Unix socket path may have at most ${kMaxSocketPathBytes} bytes on ${process.platform}; choose a shorter path: ${JSON.stringify(socketPath)}`,
    );
  }
  return socketPath;
}

/** An error with a Node-style `code`. */
function codedError(message: string, code: string, cause?: unknown): Error & { code: string } {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

/** Resolves `true` if a server accepts a connection at `socketPath`, `false` if none listens. */
function isAnswering(socketPath: string): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const probe = net.createConnection(socketPath);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', (error: NodeJS.ErrnoException) => {
      probe.destroy();
      // ECONNREFUSED: a socket file nobody listens on; ENOENT: it vanished meanwhile.
      if (error.code === 'ECONNREFUSED' || error.code === 'ENOENT') resolve(false);
      else reject(codedError(`Cannot check socket file ${socketPath}: ${error.message}`, error.code ?? 'EPROBE', error));
    });
  });
}

/**
 * Makes `socketPath` free to bind: nothing there is fine; a socket file nobody answers on
 * (left by a crashed server) is removed.
 * @throws Error with code `EADDRINUSE` when a live server answers there, and with code
 *   `EEXIST` when the path is something other than a socket (never deleted).
 */
export async function clearStaleSocket(socketPath: string): Promise<void> {
  let stats;
  try {
    stats = await lstat(socketPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  if (!stats.isSocket()) {
    throw codedError(`${socketPath} exists and is not a socket; refusing to replace it`, 'EEXIST');
  }
  if (await isAnswering(socketPath)) {
    throw codedError(`A server is already listening on ${socketPath}; stop it or choose another path`, 'EADDRINUSE');
  }
  await unlink(socketPath).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}

/**
 * Binds `server` to `socketPath` so that the file gets `mode` from the start.
 *
 * The umask is narrowed around `listen()` — which binds synchronously for a path — so that no
 * other user can connect in the moment between bind and chmod; the chmod afterwards sets
 * exactly `mode` (a umask can only remove bits). In a worker thread, where the umask cannot be
 * changed, only the chmod applies.
 */
export async function listenWithMode(server: net.Server, socketPath: string, mode: number): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(codedError(`Cannot listen on ${socketPath}: ${error.message}`, error.code ?? 'ELISTEN', error));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    let previousUmask: number | undefined;
    try {
      previousUmask = process.umask(0o777 & ~mode);
    } catch {
      previousUmask = undefined; // worker threads cannot change the umask
    }
    try {
      server.listen(socketPath);
    } finally {
      if (previousUmask !== undefined) process.umask(previousUmask);
    }
  });
  await chmod(socketPath, mode);
}
