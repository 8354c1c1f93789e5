// Where the example server listens: SOCKET_PATH from the environment, or a file in the temp directory.
import os from 'node:os';
import path from 'node:path';

export const SOCKET_PATH = process.env.SOCKET_PATH ?? path.join(os.tmpdir(), 'eric-sse-example.sock');
