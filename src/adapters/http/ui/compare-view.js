// The worker-count comparison: the same job at 1, 2, 4, … workers (up to the service's
// most), one run after the other, as bars of rows/s with each run's speed-up over 1 worker.

import { byId, el, formatCount, formatRatio } from './dom.js';
import { startJob } from './job-runner.js';
import { makeRows, readJobForm } from './job-view.js';

/** 1, 2, 4, … below `max`, then `max` itself. */
export function workerCounts(max) {
  const counts = [];
  for (let n = 1; n < max; n *= 2) counts.push(n);
  counts.push(Math.max(1, max));
  return counts;
}

/** Wires the comparison section. */
export class CompareView {
  #button = byId('compare-start');
  #bars = byId('compare-bars');
  #state = byId('compare-state');
  #form = byId('job-form');
  #maxWorkers;
  #running = false;
  #stopRequested = false;
  #current = null;
  #onBusy;

  constructor({ maxWorkers, onBusy }) {
    this.#maxWorkers = maxWorkers;
    this.#onBusy = onBusy;
    this.#button.addEventListener('click', () => (this.#running ? void this.#stop() : void this.run()));
    this.#describe();
  }

  /** The service's most workers a job may use. */
  set maxWorkers(max) {
    this.#maxWorkers = max;
    this.#describe();
  }

  /** Enables or disables the button (while it runs, the button stops the comparison). */
  setEnabled(enabled) {
    this.#button.disabled = !enabled && !this.#running;
  }

  async #stop() {
    this.#stopRequested = true;
    this.#button.disabled = true;
    this.#say('Stopping…', 'warn');
    try {
      await this.#current?.cancel();
    } catch {
      // the job may have ended meanwhile; the run loop reports what happened
    }
  }

  #describe() {
    if (!this.#running) this.#say(`Runs the job above at ${workerCounts(this.#maxWorkers).join(', ')} workers.`, '');
  }

  /** Runs the comparison. */
  async run() {
    let spec;
    try {
      spec = readJobForm(this.#form);
    } catch (error) {
      this.#say(error.message, 'bad');
      return;
    }
    this.#running = true;
    this.#stopRequested = false;
    this.#button.textContent = 'Stop comparison';
    this.#onBusy(true);
    const counts = workerCounts(this.#maxWorkers);
    const rows = makeRows(spec.rows, spec.malformed);
    const results = counts.map((workers) => ({ workers, rate: null }));
    this.#bars.dataset.state = 'running';
    this.#draw(results);
    try {
      for (const entry of results) {
        this.#say(`Running ${formatCount(spec.rows)} rows on ${entry.workers} worker${entry.workers === 1 ? '' : 's'}…`, 'busy');
        this.#draw(results, entry);
        if (this.#stopRequested) throw new Error('stopped');
        this.#current = await startJob({ ...spec, workers: entry.workers, rows });
        const { done, elapsedMs, cancelled, error } = await this.#current.finished;
        if (this.#stopRequested) throw new Error('stopped');
        if (cancelled || error) throw new Error(error ?? 'a run was cancelled');
        entry.rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
        this.#draw(results);
      }
      const best = results.reduce((a, b) => (b.rate > a.rate ? b : a));
      const base = results[0].rate;
      this.#say(`Best: ${best.workers} worker${best.workers === 1 ? '' : 's'}, ${formatRatio(best.rate / base)}× the speed of 1.`, 'ok');
      this.#bars.dataset.state = 'done';
    } catch (error) {
      if (this.#stopRequested) {
        this.#say('Comparison stopped.', 'warn');
        this.#bars.dataset.state = 'stopped';
      } else {
        this.#say(`Comparison stopped: ${error.message}`, 'bad');
        this.#bars.dataset.state = 'failed';
      }
    } finally {
      this.#running = false;
      this.#current = null;
      this.#button.textContent = 'Compare worker counts';
      this.#button.disabled = false;
      this.#onBusy(false);
    }
  }

  #draw(results, current = null) {
    const top = Math.max(1, ...results.map((r) => r.rate ?? 0));
    const base = results[0].rate;
    this.#bars.replaceChildren(
      ...results.map((entry) => {
        const measured = entry.rate !== null;
        const width = measured ? Math.max(1, (100 * entry.rate) / top) : 0;
        const speedUp = measured && base ? `${formatRatio(entry.rate / base)}×` : '';
        const figure = measured ? `${formatCount(entry.rate)} rows/s` : entry === current ? 'running…' : 'waiting';
        return el(
          'li',
          { 'data-workers': entry.workers, 'data-rate': measured ? Math.round(entry.rate) : null, class: entry === current ? 'current' : null },
          el('span', { class: 'label' }, `${entry.workers} worker${entry.workers === 1 ? '' : 's'}`),
          el('span', { class: 'track' }, el('span', { class: 'fill', style: `width: ${width}%` })),
          el('span', { class: 'figure' }, figure, speedUp ? el('strong', {}, ` ${speedUp}`) : null),
        );
      }),
    );
  }

  #say(text, tone) {
    this.#state.textContent = text;
    this.#state.dataset.tone = tone;
  }
}
