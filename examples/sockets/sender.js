// Broadcasts a message to every listener of a channel, as the seed's sender does:
// `node examples/sockets/sender.js <channelId> [text]`.
import { SocketClient } from 'eric-sse';
import { SOCKET_PATH } from './config.js';

const [channelId, text = 'Hi there!'] = process.argv.slice(2);
const option = process.argv.slice(2).find((arg) => arg.startsWith('-'));
if (option === '--help' || option === '-h') {
  console.log('Usage: node examples/sockets/sender.js <channelId> [text]');
  process.exit(0);
}
if (!channelId || option !== undefined) {
  // No channel id, or an option this example does not have: the usage, exit 2.
  console.error(`${option === undefined ? '' : `Unknown option ${JSON.stringify(option)}\n\n`}Usage: node examples/sockets/sender.js <channelId> [text]`);
  process.exit(2);
}

const client = new SocketClient(SOCKET_PATH);
const answer = await client.broadcastMessage(channelId, 'txt', text);
console.log(`sender: ${answer}`);
console.log('sender: message sent');
