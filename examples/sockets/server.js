// The socket server with one channel ready: `node examples/sockets/server.js`.
// Stops gracefully on Ctrl+C (SIGINT) or SIGTERM: open streams end, the socket file is removed.
import { Message, SocketServer } from 'eric-sse';
import { SOCKET_PATH } from './config.js';

// This example takes no options: anything else on the command line is a mistake (exit 2).
if (process.argv.length > 2) {
  const [arg] = process.argv.slice(2);
  const usage = 'Usage: node examples/sockets/server.js (no options)';
  if (arg === '--help' || arg === '-h') console.log(usage);
  else console.error(`Unknown argument ${JSON.stringify(arg)}\n\n${usage}`);
  process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
}

const server = await SocketServer.start(SOCKET_PATH);
const channel = server.cc.add();
// Print what arrives on the server side too, as the seed's example listener does.
const listener = channel.addListener();
listener.onMessage = (msg) => console.log(`server: received '${JSON.stringify(msg.payload)}'`);
listener.startSync();
void (async () => {
  for await (const _event of channel.messageStream(listener)) {
    // delivered: onMessage printed it
  }
})();

console.log(`server: serving on ${SOCKET_PATH}`);
console.log(`channel: ${channel.id}`);
console.log(`Try: node examples/sockets/receiver.js ${channel.id}   and   node examples/sockets/sender.js ${channel.id}`);
await channel.broadcast(new Message('txt', 'server is up'));
await server.onClose();
console.log('server: stopped');
