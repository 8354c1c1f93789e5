// A stream consumer that could not deliver events gives their messages back:
// messageStream's onHandOut names the message of each event just before it is yielded, and
// requeue(listenerId, messages) puts messages back at the head of the queue, in order, waking a
// waiting stream. Nothing is lost when onHandOut throws: the message goes back first.
import { describe, expect, it } from 'vitest';
import { Message, SSEChannel, UniqueMessage, type MessageContract } from 'eric-sse';

describe('stream hand-back: onHandOut and requeue', () => {
  it('onHandOut gets each message, the very one dispatched, just before its event', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const sent = [new Message('a', 1), new UniqueMessage('id-2', new Message('b', 2))];
    for (const msg of sent) await channel.dispatch(listener.id, msg);
    const log: string[] = [];
    const handedOut: MessageContract[] = [];
    const stream = channel.messageStream(listener, {
      onHandOut: (msg) => {
        handedOut.push(msg);
        log.push(`handed out ${msg.type}`);
      },
    });
    for await (const event of stream) {
      log.push(`yielded ${event.event}`);
      if (handedOut.length === 2) break;
    }
    expect(handedOut[0]).toBe(sent[0]);
    expect(handedOut[1]).toBe(sent[1]);
    expect(log).toEqual(['handed out a', 'yielded a', 'handed out b', 'yielded b']);
  });

  it('requeue puts messages back at the head, in order, and wakes a waiting stream', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    const stream = channel.messageStream(listener);
    const waiting = stream.next(); // waits on the empty queue
    await channel.requeue(listener.id, [new Message('first'), new Message('second')]);
    expect((await waiting).value?.event).toBe('first');
    await channel.dispatch(listener.id, new Message('third'));
    await channel.requeue(listener.id, [new Message('again')]);
    const events: string[] = [];
    for await (const event of stream) {
      events.push(event.event);
      if (events.length === 3) break;
    }
    expect(events).toEqual(['again', 'second', 'third']);
  });

  it('requeue for a listener no longer registered does nothing', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    await channel.removeListener(listener.id);
    await expect(channel.requeue(listener.id, [new Message('lost-with-its-queue')])).resolves.toBeUndefined();
  });

  it('a throwing onHandOut ends the stream with its error and the message stays first in line', async () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    listener.startSync();
    await channel.dispatch(listener.id, new Message('kept'));
    const stream = channel.messageStream(listener, {
      onHandOut: () => {
        throw new Error('consumer bug');
      },
    });
    await expect(stream.next()).rejects.toThrow('consumer bug');
    const next = channel.messageStream(listener);
    expect((await next.next()).value?.event).toBe('kept');
    await next.return();
  });

  it('refuses an onHandOut that is not a function', () => {
    const channel = new SSEChannel();
    const listener = channel.addListener();
    expect(() => channel.messageStream(listener, { onHandOut: 'log' as never })).toThrow(
      new TypeError('messageStream option "onHandOut" must be a function, got "log" (string)'),
    );
    expect(() => channel.watch({ onHandOut: 5 as never })).toThrow(/watch option "onHandOut" must be a function, got 5 \(number\)/);
    expect(channel.getListenerIds()).toEqual([listener.id]); // the refused watch registered nothing
  });
});
