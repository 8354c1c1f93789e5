/**
 * The warning printed when the process is about to exit while a `processQueue` run still
 * waits for messages: with nothing else left to run, Node would otherwise end the program
 * silently (exit code 13, an unsettled top-level await), and the cause is almost always a
 * forgotten `notifyEnd()`.
 */

/** What is waiting, by waiter: a description such as `listener 1f0c…`. */
const kWaiting = new Map<object, string>();
let installed = false;

function warn(): void {
  if (kWaiting.size === 0) return;
  const [first] = kWaiting.values();
  const more = kWaiting.size > 1 ? ` (and ${kWaiting.size - 1} more)` : '';
  kWaiting.clear();
  process.stderr.write(
    `eric-sse: warning: exiting while processQueue still waits for messages on ${first}${more}; ` +
      'the closed message never came: call channel.notifyEnd() after the last dispatch, or pass { until: "empty" }\n',
  );
}

/**
 * Marks a run as waiting for messages (described by `what`) until the returned function is
 * called; if the process runs out of work meanwhile, one warning line goes to stderr.
 */
export function waitingForMessages(what: string): () => void {
  if (!installed) {
    installed = true;
    // 'beforeExit' fires when the event loop has nothing left to do: exactly the case.
    process.on('beforeExit', warn);
  }
  const token = {};
  kWaiting.set(token, what);
  return () => kWaiting.delete(token);
}
