// "Run a job": the form, the progress bar, the figures, the throughput chart, the row map
// and the results as they stream in (failed rows marked).

import { ApiError } from './api.js';
import { byId, el, formatCount, formatDuration, preview } from './dom.js';
import { followJob, JobLostError, startJob } from './job-runner.js';
import { RateChart } from './rate-chart.js';
import { RowMap } from './row-map.js';

/** Most result lines kept on the page; older ones make room (the row map keeps them all). */
const kMaxResultLines = 5000;

/**
 * The rows a job of `count` rows processes: 0, 1, 2, … (each handler reads its row as it
 * likes); with `malformed`, every 10th row is `{ "malformed": i }` instead, which handlers that
 * need a number refuse: a way to watch failed rows being reported while the job goes on.
 */
export function makeRows(count, malformed = false) {
  return Array.from({ length: count }, (_, index) => (malformed && index % 10 === 9 ? { malformed: index } : index));
}

/** Reads the job form: `{ handler, rows, workers, ordered }`, or throws a readable Error. */
export function readJobForm(form) {
  const data = new FormData(form);
  const handler = String(data.get('handler') ?? '');
  const rows = Number(data.get('rows'));
  const workers = Number(data.get('workers'));
  if (!handler) throw new Error('Pick a handler first.');
  if (!Number.isInteger(rows) || rows < 1) throw new Error(`Rows must be a whole number of at least 1, not "${data.get('rows')}".`);
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`Workers must be a whole number of at least 1, not "${data.get('workers')}".`);
  return { handler, rows, workers, ordered: data.get('ordered') === 'on', malformed: data.get('malformed') === 'on' };
}

/** Wires the job section; `busy(isBusy)` tells the page a job (or a comparison) is running. */
export class JobView {
  #form = byId('job-form');
  #startButton = byId('job-start');
  #cancelButton = byId('job-cancel');
  #bar = byId('job-progress');
  #barFill = byId('job-progress-fill');
  #percent = byId('job-percent');
  #state = byId('job-state');
  #figures = {
    done: byId('job-done'),
    failed: byId('job-failed'),
    rate: byId('job-rate'),
    elapsed: byId('job-elapsed'),
  };
  #results = byId('job-results');
  #resultsBox = byId('job-results-box');
  #resultsNote = byId('job-results-note');
  #chart = new RateChart(byId('job-chart'));
  #map = new RowMap(byId('job-map'));
  #job = null;
  #tracking = false;
  #cancelRequested = false;
  #pending = [];
  #frame = 0;
  #shown = 0;
  #onBusy;

  constructor({ onBusy }) {
    this.#onBusy = onBusy;
    this.#form.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.run();
    });
    this.#cancelButton.addEventListener('click', () => void this.#cancel());
  }

  /** Enables or disables starting (another run going on, or the service away). */
  setEnabled(enabled) {
    this.#startButton.disabled = !enabled || this.#job !== null;
  }

  /** Starts the job the form describes and follows it to its end. */
  async run() {
    let spec;
    try {
      spec = readJobForm(this.#form);
    } catch (error) {
      this.#say(error.message, 'bad');
      return;
    }
    await this.#track((on) => startJob({ ...spec, rows: makeRows(spec.rows, spec.malformed) }, on), {
      total: spec.rows,
      workers: spec.workers,
      elapsedMs: 0,
    });
  }

  /** Follows a job of the service (`GET /jobs` status) from its first event; false when busy. */
  follow(status) {
    if (this.#job !== null || this.#tracking) return false;
    void this.#track((on) => followJob(status.id, on), { total: status.total, workers: status.workers, elapsedMs: status.elapsedMs ?? 0 });
    return true;
  }

  /** Whether a job is being shown live. */
  get isBusy() {
    return this.#tracking;
  }

  /** Shows the job `open(on)` starts or finds, live, until its end. */
  async #track(open, { total, workers, elapsedMs }) {
    this.#tracking = true;
    this.#cancelRequested = false;
    this.#prepare(total);
    this.#say('Starting…', 'busy');
    this.#onBusy(true);
    this.#startButton.disabled = true;
    const startedAt = performance.now() - elapsedMs;
    const running = `Running on ${workers} worker${workers === 1 ? '' : 's'}…`;
    let elapsedTimer = 0;
    try {
      this.#job = await open({
        result: (index, data) => this.#queueLine(index, data, null),
        failure: (index, name, message) => this.#queueLine(index, null, `${name}: ${message}`),
        progress: (p) => this.#progress(p, total, startedAt),
        lost: (data) => this.#say(`Some results were lost: the service no longer keeps them (${data.reason}).`, 'warn'),
        interrupted: () => this.#say('Connection lost; resuming where it stopped…', 'warn'),
        resumed: () => this.#say(running, 'busy'),
      });
      this.#bar.dataset.jobId = this.#job.jobId;
      this.#cancelButton.disabled = false;
      this.#say(running, 'busy');
      elapsedTimer = setInterval(() => {
        this.#figures.elapsed.textContent = formatDuration(performance.now() - startedAt);
      }, 250);
      const summary = await this.#job.finished;
      this.#flush();
      this.#finish(summary, total);
    } catch (error) {
      this.#flush();
      this.#bar.dataset.state = 'failed';
      if (error instanceof JobLostError) this.#say(`Job lost: ${error.message}`, 'bad');
      else if (error instanceof ApiError) this.#say(`The service refused the job: ${error.message}`, 'bad');
      else this.#say(`Could not run the job: ${error.message}`, 'bad');
    } finally {
      clearInterval(elapsedTimer);
      this.#job = null;
      this.#tracking = false;
      this.#cancelButton.disabled = true;
      this.#startButton.disabled = false;
      this.#onBusy(false);
    }
  }

  async #cancel() {
    if (!this.#job) return;
    this.#cancelRequested = true;
    this.#cancelButton.disabled = true;
    this.#say('Cancelling…', 'warn');
    try {
      await this.#job.cancel();
    } catch (error) {
      this.#say(`Could not cancel: ${error.message}`, 'bad');
    }
  }

  #prepare(total) {
    this.#pending = [];
    this.#shown = 0;
    this.#results.replaceChildren();
    this.#resultsNote.textContent = '';
    this.#chart.reset();
    this.#map.reset(total ?? 0);
    this.#setPercent(0);
    this.#bar.dataset.state = 'running';
    delete this.#bar.dataset.jobId;
    this.#figures.done.textContent = `0 / ${total === undefined ? '?' : formatCount(total)}`;
    this.#figures.failed.textContent = '0';
    this.#figures.rate.textContent = '–';
    this.#figures.elapsed.textContent = '0 ms';
  }

  #progress({ done, failed, rowsPerSecond, total }, rows, startedAt) {
    const all = total ?? rows;
    if (all !== undefined) this.#setPercent(all > 0 ? (100 * done) / all : 0);
    this.#figures.done.textContent = `${formatCount(done)} / ${all === undefined ? '?' : formatCount(all)}`;
    this.#figures.failed.textContent = formatCount(failed);
    this.#figures.rate.textContent = formatCount(rowsPerSecond);
    this.#chart.add((performance.now() - startedAt) / 1000, rowsPerSecond);
  }

  #finish({ done, failed, cancelled, elapsedMs, error }, total) {
    const rows = total ?? done;
    const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
    this.#setPercent(rows > 0 ? (100 * done) / rows : 100);
    this.#figures.done.textContent = `${formatCount(done)} / ${formatCount(rows)}`;
    this.#figures.failed.textContent = formatCount(failed);
    this.#figures.rate.textContent = `${formatCount(rate)} avg`;
    this.#figures.elapsed.textContent = formatDuration(elapsedMs);
    this.#bar.dataset.state = cancelled ? 'cancelled' : error ? 'failed' : 'completed';
    if (error) this.#say(`The job failed: ${error}`, 'bad');
    else if (cancelled) {
      const by = this.#cancelRequested ? '' : ' by the service (stopping?) or another client';
      this.#say(`Cancelled${by} after ${formatCount(done)} of ${formatCount(rows)} rows.`, 'warn');
    }
    else {
      const failures = failed === 0 ? 'no failures' : `${formatCount(failed)} failed`;
      this.#say(`Done: ${formatCount(done)} rows in ${formatDuration(elapsedMs)}, ${formatCount(rate)} rows/s, ${failures}.`, 'ok');
    }
  }

  #setPercent(percent) {
    const shown = Math.min(100, Math.max(0, percent));
    const text = shown === 100 ? '100' : shown.toFixed(shown < 10 ? 1 : 0);
    this.#bar.setAttribute('aria-valuenow', text);
    this.#barFill.style.width = `${shown}%`;
    this.#percent.textContent = `${text} %`;
  }

  #say(text, tone) {
    this.#state.textContent = text;
    this.#state.dataset.tone = tone;
  }

  #queueLine(index, data, failure) {
    this.#map.mark(index, failure !== null);
    this.#pending.push([index, data, failure]);
    if (this.#frame === 0) this.#frame = requestAnimationFrame(() => this.#flush());
  }

  /** Writes the queued result lines (once a frame, not once an event). */
  #flush() {
    if (this.#frame !== 0) cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    if (this.#pending.length === 0) return;
    const box = this.#resultsBox;
    const atBottom = box.scrollTop + box.clientHeight >= box.scrollHeight - 24;
    const fragment = document.createDocumentFragment();
    for (const [index, data, failure] of this.#pending.splice(0)) {
      const line = el(
        'tr',
        { 'data-index': index, class: failure === null ? null : 'failed' },
        el('td', {}, String(index)),
        failure === null ? el('td', {}, preview(data)) : el('td', {}, el('span', { class: 'tag' }, 'failed'), ' ', failure),
      );
      fragment.append(line);
      this.#shown += 1;
    }
    this.#results.append(fragment);
    while (this.#results.childElementCount > kMaxResultLines) this.#results.firstElementChild.remove();
    if (this.#shown > kMaxResultLines) {
      this.#resultsNote.textContent = `Showing the last ${formatCount(kMaxResultLines)} of ${formatCount(this.#shown)} results.`;
    }
    if (atBottom) box.scrollTop = box.scrollHeight;
  }
}
