// The live throughput chart: rows/s over the job's time, drawn with uPlot.
//
// uPlot (MIT, ~50 kB minified, no dependencies) draws to one canvas and redraws a whole
// series in well under a millisecond, so appending a point ten times a second costs nothing;
// SVG or DOM charting libraries rebuild nodes on every update and are many times larger.

import uPlot from 'uplot';
import { formatCount } from './dom.js';

const kHeight = 220;

function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** A chart in `container`; `reset()` before each job, `add(seconds, rowsPerSecond)` per progress event. */
export class RateChart {
  #plot;
  #times = [];
  #rates = [];
  #container;
  #frame = 0;

  constructor(container) {
    this.#container = container;
    const accent = cssVar('--accent', '#2563eb');
    const grid = cssVar('--grid', '#e5e7eb');
    const text = cssVar('--muted', '#6b7280');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    this.#plot = new uPlot(
      {
        width: this.#width(),
        height: kHeight,
        legend: { show: false },
        cursor: { show: true, drag: { x: false, y: false } },
        scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
        axes: [
          { ...axis, label: 'seconds', values: (_u, ticks) => ticks.map((t) => `${t}`) },
          { ...axis, label: 'rows/s', size: 64, values: (_u, ticks) => ticks.map((t) => formatCount(t)) },
        ],
        series: [{}, { label: 'rows/s', stroke: accent, width: 2, fill: `${accent}22`, points: { show: false } }],
      },
      [this.#times, this.#rates],
      container,
    );
    new ResizeObserver(() => this.#plot.setSize({ width: this.#width(), height: kHeight })).observe(container);
  }

  #width() {
    return Math.max(200, this.#container.clientWidth);
  }

  /** Empties the chart. */
  reset() {
    this.#times = [];
    this.#rates = [];
    this.#plot.setData([this.#times, this.#rates]);
  }

  /** Adds a point; the chart redraws at the next frame. */
  add(seconds, rowsPerSecond) {
    this.#times.push(Math.round(seconds * 100) / 100);
    this.#rates.push(rowsPerSecond);
    if (this.#frame === 0) {
      this.#frame = requestAnimationFrame(() => {
        this.#frame = 0;
        this.#plot.setData([this.#times, this.#rates]);
      });
    }
  }

  /** Points so far (for tests and the summary). */
  get length() {
    return this.#times.length;
  }
}
