// "Channels and listeners": the service's channels with their listeners (refreshed by the
// connection's poll), a live view of any listener's stream, and dispatch / broadcast.

import { del, enc, post, put } from './api.js';
import { byId, el, parseData, preview } from './dom.js';
import { openEventStream } from './sse.js';

/** Most lines the live view keeps. */
const kMaxEventLines = 500;

/** "3f2a…9c1d" for a long id; short ids as they are. */
function shortId(id) {
  return id.length > 14 ? `${id.slice(0, 6)}…${id.slice(-4)}` : id;
}

/** Wires the channels section; `refresh()` asks the page to poll the channel list now. */
export class ChannelsView {
  #list = byId('channel-list');
  #empty = byId('channel-empty');
  #createForm = byId('channel-create');
  #sendForm = byId('send-form');
  #target = byId('send-target');
  #sendState = byId('send-state');
  #watchTitle = byId('watch-title');
  #watchState = byId('watch-state');
  #events = byId('watch-events');
  #stopWatch = byId('watch-stop');
  #map = {};
  #signature = '';
  #watched = null;
  #pendingWatch = null;
  #preferredTarget = null;
  #stream = null;
  #refresh;

  constructor({ refresh }) {
    this.#refresh = refresh;
    this.#createForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#create();
    });
    this.#sendForm.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#send();
    });
    this.#stopWatch.addEventListener('click', () => this.unwatch());
  }

  /** Shows the channel map `{ C: [L, …] }` (re-rendered only when it changed). */
  update(map) {
    const signature = JSON.stringify(map);
    if (signature === this.#signature) return;
    this.#signature = signature;
    this.#map = map;
    this.#render();
  }

  #render() {
    const focused = document.activeElement?.dataset?.key;
    const channels = Object.entries(this.#map);
    this.#empty.hidden = channels.length > 0;
    this.#list.replaceChildren(
      ...channels.map(([channelId, listenerIds]) =>
        el(
          'li',
          { class: 'channel', 'data-channel': channelId },
          el(
            'div',
            { class: 'row' },
            el('span', { class: 'name', title: channelId }, el('span', { class: 'kind' }, 'channel'), ' ', channelId),
            el('span', { class: 'actions' },
              el('button', { type: 'button', 'data-key': `add:${channelId}`, onclick: () => void this.#subscribe(channelId) }, 'Add listener'),
              el('button', { type: 'button', class: 'quiet', 'data-key': `rm:${channelId}`, 'aria-label': `Delete channel ${channelId}`, onclick: () => void this.#removeChannel(channelId) }, 'Delete'),
            ),
          ),
          listenerIds.length === 0
            ? el('p', { class: 'muted small' }, 'No listeners yet.')
            : el('ul', { class: 'listeners' },
                ...listenerIds.map((listenerId) => {
                  const watched = this.#watched?.channelId === channelId && this.#watched?.listenerId === listenerId;
                  return el(
                    'li',
                    { 'data-listener': listenerId, class: watched ? 'watched' : null },
                    el('span', { class: 'name', title: listenerId }, el('span', { class: 'kind' }, 'listener'), ' ', shortId(listenerId)),
                    el('span', { class: 'actions' },
                      el('button', { type: 'button', 'data-key': `watch:${channelId}/${listenerId}`, 'aria-pressed': watched ? 'true' : 'false', onclick: () => this.watch(channelId, listenerId) }, watched ? 'Watching' : 'Watch'),
                      el('button', { type: 'button', class: 'quiet', 'data-key': `rm:${channelId}/${listenerId}`, 'aria-label': `Remove listener ${listenerId}`, onclick: () => void this.#removeListener(channelId, listenerId) }, 'Remove'),
                    ),
                  );
                })),
        ),
      ),
    );
    if (focused) this.#list.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
    this.#renderTargets();
  }

  #renderTargets() {
    const previous = this.#target.value;
    const options = [];
    for (const [channelId, listenerIds] of Object.entries(this.#map)) {
      options.push(el('option', { value: JSON.stringify([channelId]) }, `Broadcast to every listener of ${channelId}`));
      for (const listenerId of listenerIds) {
        options.push(el('option', { value: JSON.stringify([channelId, listenerId]) }, `Dispatch to ${shortId(listenerId)} of ${channelId}`));
      }
    }
    if (options.length === 0) options.push(el('option', { value: '' }, 'Create a channel first'));
    this.#target.replaceChildren(...options);
    const values = new Set(options.map((option) => option.value));
    // A listener just picked for watching is the likely target; else keep the user's choice.
    if (this.#preferredTarget !== null && values.has(this.#preferredTarget)) {
      this.#target.value = this.#preferredTarget;
      this.#preferredTarget = null;
    } else if (values.has(previous)) this.#target.value = previous;
  }

  async #act(action, done) {
    try {
      await action();
      this.#sayOn(this.#sendState, done, 'ok');
    } catch (error) {
      this.#sayOn(this.#sendState, error.message, 'bad');
    }
    await this.#refresh();
  }

  async #create() {
    const id = new FormData(this.#createForm).get('channel_id')?.toString().trim() ?? '';
    await this.#act(async () => {
      const { channel_id: created } = await put(`/create${id ? `?channel_id=${enc(id)}` : ''}`);
      const { listener_id: listenerId } = await post(`/subscribe?channel_id=${enc(created)}`);
      this.#createForm.reset();
      this.#pendingWatch = [created, listenerId];
    }, 'Channel created, with one listener.');
    if (this.#pendingWatch) {
      const [channelId, listenerId] = this.#pendingWatch;
      this.#pendingWatch = null;
      this.watch(channelId, listenerId);
    }
  }

  #subscribe(channelId) {
    return this.#act(() => post(`/subscribe?channel_id=${enc(channelId)}`), `Listener added to ${channelId}.`);
  }

  #removeChannel(channelId) {
    if (this.#watched?.channelId === channelId) this.unwatch();
    return this.#act(() => del(`/channel/${enc(channelId)}`), `Channel ${channelId} deleted.`);
  }

  #removeListener(channelId, listenerId) {
    if (this.#watched?.listenerId === listenerId) this.unwatch();
    return this.#act(() => del(`/listener/${enc(channelId)}/${enc(listenerId)}`), 'Listener removed.');
  }

  async #send() {
    const data = new FormData(this.#sendForm);
    const target = String(data.get('target') ?? '');
    const type = String(data.get('type') ?? '').trim();
    const payloadText = String(data.get('payload') ?? '').trim();
    if (!target) return this.#sayOn(this.#sendState, 'Create a channel first.', 'bad');
    if (!type) return this.#sayOn(this.#sendState, 'Give the message a type.', 'bad');
    let payload;
    if (payloadText !== '') {
      try {
        payload = JSON.parse(payloadText);
      } catch {
        return this.#sayOn(this.#sendState, `The payload is not JSON: ${preview(payloadText, 40)} (quote text: "like this").`, 'bad');
      }
    }
    const [channelId, listenerId] = JSON.parse(target);
    const body = { type, payload };
    if (listenerId === undefined) {
      await this.#act(() => post(`/broadcast?channel_id=${enc(channelId)}`, body), `Broadcast "${type}" to ${channelId}.`);
    } else {
      await this.#act(() => post(`/dispatch?channel_id=${enc(channelId)}&listener_id=${enc(listenerId)}`, body), `Dispatched "${type}" to ${shortId(listenerId)}.`);
    }
    return undefined;
  }

  /** Streams listener `listenerId` of `channelId` into the live view (ending the previous view). */
  watch(channelId, listenerId) {
    this.unwatch();
    this.#watched = { channelId, listenerId };
    this.#preferredTarget = JSON.stringify([channelId, listenerId]);
    this.#events.replaceChildren();
    this.#watchTitle.textContent = `Listener ${shortId(listenerId)} of ${channelId}`;
    this.#stopWatch.hidden = false;
    this.#sayOn(this.#watchState, 'Connecting…', 'busy');
    this.#stream = openEventStream(`/stream/${enc(channelId)}/${enc(listenerId)}`, {
      onOpen: () => this.#sayOn(this.#watchState, 'Live: new messages appear below.', 'ok'),
      onEvent: (event) => this.#line(event),
      onRetrying: (reason, ms) => this.#sayOn(this.#watchState, `Disconnected (${reason}); retrying in ${Math.round(ms / 1000)} s…`, 'warn'),
      onClosed: ({ status, message }) => {
        this.#stream = null;
        const why = status === 404 ? 'this listener no longer exists (removed, or the service restarted).' : message;
        this.#sayOn(this.#watchState, `Stream ended: ${why}`, 'bad');
      },
    });
    this.#signature = '';
    this.update(this.#map);
  }

  /** Ends the live view's stream. */
  unwatch() {
    this.#stream?.close();
    this.#stream = null;
    if (this.#watched === null) return;
    this.#watched = null;
    this.#stopWatch.hidden = true;
    this.#sayOn(this.#watchState, 'Not watching. Pick a listener and press Watch.', '');
    this.#signature = '';
    this.update(this.#map);
  }

  #line({ type, data, id }) {
    const reserved = type.startsWith('_eric_');
    this.#events.append(
      el('li', { class: reserved ? 'reserved' : null },
        el('span', { class: 'type' }, type),
        el('code', {}, preview(parseData(data), 300)),
        el('span', { class: 'id muted' }, id ? `#${id.split('-').pop()}` : ''),
      ),
    );
    while (this.#events.childElementCount > kMaxEventLines) this.#events.firstElementChild.remove();
    this.#events.scrollTop = this.#events.scrollHeight;
  }

  #sayOn(node, text, tone) {
    node.textContent = text;
    node.dataset.tone = tone;
  }
}
