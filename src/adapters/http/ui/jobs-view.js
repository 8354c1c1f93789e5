// "Jobs on the service": the jobs the service keeps (GET /jobs), running and recently ended,
// whoever started them, each of which the job view can follow from its first event.

import { byId, el, formatCount, formatDuration } from './dom.js';

/** Wires the jobs list; `follow(status)` shows a job in the job view. */
export class JobsView {
  #body = byId('jobs-list');
  #empty = byId('jobs-empty');
  #signature = '';
  #follow;
  #canFollow = true;

  constructor({ follow }) {
    this.#follow = follow;
  }

  /** Whether Follow buttons are enabled (not while another job is shown live). */
  set canFollow(value) {
    if (this.#canFollow === value) return;
    this.#canFollow = value;
    for (const button of this.#body.querySelectorAll('button')) button.disabled = !value;
  }

  /** Shows `GET /jobs`' answer, newest first (re-rendered only when it changed). */
  update(jobs) {
    const list = Array.isArray(jobs) ? [...jobs].reverse() : [];
    const signature = JSON.stringify(list);
    if (signature === this.#signature) return;
    this.#signature = signature;
    const focused = document.activeElement?.dataset?.key;
    this.#empty.hidden = list.length > 0;
    this.#body.replaceChildren(
      ...list.map((job) => {
        const total = job.total === undefined ? '?' : formatCount(job.total);
        return el(
          'tr',
          { 'data-job': job.id, 'data-state': job.state },
          el('td', { title: job.id }, el('code', {}, job.id.slice(0, 8))),
          el('td', {}, job.handler),
          el('td', {}, el('span', { class: `badge ${job.state}` }, job.state)),
          el('td', { class: 'num' }, `${formatCount(job.done)} / ${total}`),
          el('td', { class: `num${job.failed > 0 ? ' bad' : ''}` }, formatCount(job.failed)),
          el('td', { class: 'num' }, String(job.workers)),
          el('td', { class: 'num' }, job.state === 'running' ? formatCount(job.rowsPerSecond) : formatCount(job.elapsedMs > 0 ? (job.done * 1000) / job.elapsedMs : 0)),
          el('td', { class: 'num' }, formatDuration(job.elapsedMs)),
          el('td', {}, el('button', {
            type: 'button',
            'data-key': `follow:${job.id}`,
            'aria-label': `Show job ${job.id} from its start`,
            disabled: !this.#canFollow,
            onclick: () => this.#follow(job),
          }, 'Show')),
        );
      }),
    );
    if (focused) this.#body.querySelector(`[data-key="${CSS.escape(focused)}"]`)?.focus();
  }
}
