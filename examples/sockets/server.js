// The socket server with one channel ready: `node examples/sockets/server.js`.
// Stops gracefully on Ctrl+C (SIGINT) or SIGTERM: open streams end, the socket file is removed.
import { Message, SocketServer } from 'eric-sse';
import { SOCKET_PATH } from './config.js';

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
