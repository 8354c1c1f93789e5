// The live page's entry: wires the views to the service and keeps them in step with it.

import { get, setToken } from './api.js';
import { ChannelsView } from './channels-view.js';
import { CompareView } from './compare-view.js';
import { Connection } from './connection.js';
import { byId, el, formatCount } from './dom.js';
import { JobView } from './job-view.js';
import { JobsView } from './jobs-view.js';

const kFallbackMaxWorkers = 4;

let running = 0;
let serviceUp = false;

function updateControls() {
  const free = serviceUp && running === 0;
  jobView.setEnabled(free);
  compareView.setEnabled(free);
  jobsView.canFollow = free;
}

function onBusy(isBusy) {
  running += isBusy ? 1 : -1;
  updateControls();
  void refreshJobs();
}

const jobView = new JobView({ onBusy });
const compareView = new CompareView({ maxWorkers: kFallbackMaxWorkers, onBusy });
const channelsView = new ChannelsView({ refresh: () => connection.poll() });
const jobsView = new JobsView({
  follow: (status) => {
    if (jobView.follow(status)) byId('job').scrollIntoView({ behavior: 'smooth', block: 'start' });
  },
});

let jobsInFlight = false;
/** Reads `GET /jobs` into the jobs list. */
async function refreshJobs() {
  if (jobsInFlight) return;
  jobsInFlight = true;
  try {
    jobsView.update(await get('/jobs'));
  } catch {
    // the status line says when the service is away
  } finally {
    jobsInFlight = false;
  }
}

/** Names of `GET /handlers`' answer: an array of names (or of `{ name }`), or `{ handlers }`. */
function handlerNames(answer) {
  const list = Array.isArray(answer) ? answer : Array.isArray(answer?.handlers) ? answer.handlers : [];
  return list.map((entry) => (typeof entry === 'string' ? entry : entry?.name)).filter((name) => typeof name === 'string');
}

/** The service's most workers a job may use, when `GET /stats` says it. */
function maxWorkersOf(stats) {
  const value = stats?.maxWorkers;
  return Number.isInteger(value) && value > 0 ? value : undefined;
}

/** One line of the service's figures (`GET /stats`, the figures `/metrics` reports too). */
function showFigures(stats) {
  const busy = stats.workerThreads ?? { busy: 0, total: 0 };
  const streams = (stats.streams?.listeners ?? 0) + (stats.streams?.jobs ?? 0);
  byId('service-figures').textContent =
    `${stats.jobs?.running ?? 0} running · ${formatCount(stats.rowsPerSecond ?? 0)} rows/s · ` +
    `threads ${busy.busy}/${busy.total} busy · ${streams} stream${streams === 1 ? '' : 's'}`;
}

let statsInFlight = null;
/** Reads `GET /stats` and shows it; resolves with the stats, or undefined when unavailable. */
function refreshStats() {
  statsInFlight ??= get('/stats')
    .then((stats) => {
      showFigures(stats);
      return stats;
    })
    .catch(() => {
      byId('service-figures').textContent = '';
      return undefined;
    })
    .finally(() => {
      statsInFlight = null;
    });
  return statsInFlight;
}

async function loadHandlers() {
  const select = byId('handler');
  const workers = byId('workers');
  const note = byId('handler-note');
  try {
    const [answer, stats] = await Promise.all([get('/handlers'), refreshStats()]);
    const names = handlerNames(answer);
    const previous = select.value;
    select.replaceChildren(...names.map((name) => el('option', { value: name }, name)));
    if (names.includes(previous)) select.value = previous;
    note.textContent = names.length === 0 ? 'The service has no handlers: start it with --handler name=path/to/module.js.' : '';
    const max = maxWorkersOf(stats) ?? kFallbackMaxWorkers;
    workers.max = String(max);
    if (Number(workers.value) > max) workers.value = String(max);
    byId('workers-max').textContent = `(up to ${max})`;
    compareView.maxWorkers = max;
  } catch (error) {
    note.textContent = `Could not list the handlers: ${error.message}`;
  }
}

const connection = new Connection({
  map: (map) => {
    channelsView.update(map);
    void refreshStats();
    void refreshJobs();
  },
  up: () => {
    serviceUp = true;
    byId('token-form').hidden = true;
    updateControls();
    void loadHandlers();
  },
  down: () => {
    serviceUp = false;
    updateControls();
  },
  unauthorized: () => {
    serviceUp = false;
    updateControls();
    const form = byId('token-form');
    form.hidden = false;
    form.elements.token.focus();
  },
});

byId('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  setToken(event.target.elements.token.value.trim());
  event.target.reset();
  void connection.poll();
});

updateControls();
connection.start();
