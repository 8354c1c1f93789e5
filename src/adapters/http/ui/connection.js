// Watches the service: polls the channel map (GET /) and says in the status line whether the
// service answers. When it stops answering (a restart, say), the page keeps trying and says
// so; when it answers again, the page reloads what it shows and says that it reconnected.

import { ApiError, get } from './api.js';
import { byId } from './dom.js';

const kPollMs = 2000;
/** Polls of a page in a background tab: rarer (each is three requests and three log lines). */
const kHiddenPollMs = 15_000;
const kRetryMs = 1000;
const kTimeoutMs = 5000;

/**
 * The poll loop. Callbacks: `map(channelMap)` on every answer; `up({ first, downForMs })` when
 * the service answers after not answering (or for the first time); `down()` when it stops;
 * `unauthorized(message)` on 401.
 */
export class Connection {
  #status = byId('status');
  #on;
  #state = 'connecting';
  #downSince = 0;
  #timer = 0;
  #polling = null;

  constructor(on) {
    this.#on = on;
  }

  /** `connecting`, `up`, `down` or `unauthorized`. */
  get state() {
    return this.#state;
  }

  /** Starts polling (and polls at once when the tab comes back to the foreground). */
  start() {
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && this.#state !== 'unauthorized') void this.poll();
    });
    void this.poll();
  }

  /** Polls now (after an action that changed the channels); resolves when done. */
  poll() {
    this.#polling ??= this.#pollOnce().finally(() => {
      this.#polling = null;
    });
    return this.#polling;
  }

  async #pollOnce() {
    clearTimeout(this.#timer);
    try {
      const map = await get('/', { signal: AbortSignal.timeout(kTimeoutMs) });
      const was = this.#state;
      this.#state = 'up';
      if (was !== 'up') {
        const downForMs = was === 'down' ? Date.now() - this.#downSince : 0;
        if (was === 'down') this.#say(`Reconnected: the service is back after ${Math.max(1, Math.round(downForMs / 1000))} s.`, 'ok');
        else this.#say('Connected', 'ok');
        this.#on.up({ first: was === 'connecting' || was === 'unauthorized', downForMs });
      }
      this.#on.map(map && typeof map === 'object' ? map : {});
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        this.#state = 'unauthorized';
        this.#say('This service needs a token: enter it below.', 'bad');
        this.#on.unauthorized(error.message);
        return; // polling again once a token is given
      }
      if (this.#state !== 'down') {
        this.#state = 'down';
        this.#downSince = Date.now();
        this.#on.down();
      }
      const since = new Date(this.#downSince).toLocaleTimeString();
      this.#say(`Service unreachable since ${since}: reconnecting…`, 'bad');
    } finally {
      const delay = this.#state !== 'up' ? kRetryMs : document.hidden ? kHiddenPollMs : kPollMs;
      if (this.#state !== 'unauthorized') this.#timer = setTimeout(() => void this.poll(), delay);
    }
  }

  #say(text, tone) {
    this.#status.textContent = text;
    this.#status.dataset.tone = tone;
    this.#status.dataset.state = this.#state;
  }
}
