// The row map: one cell per row of the job (or per bucket of rows when there are many),
// pending, done or failed, so that completion order (or row order) shows at a glance.

const kCell = 8;
const kGap = 1;
const kMaxLines = 16;

function cssVar(name, fallback) {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;
}

/** A canvas map of a job's rows. `reset(total)`, then `mark(index, failed)` as results come. */
export class RowMap {
  #canvas;
  #done = new Uint8Array(0);
  #failed = new Uint8Array(0);
  #total = 0;
  #frame = 0;

  constructor(canvas) {
    this.#canvas = canvas;
    new ResizeObserver(() => this.#schedule()).observe(canvas);
  }

  /** Starts over with `total` pending rows. */
  reset(total) {
    this.#total = total;
    this.#done = new Uint8Array(total);
    this.#failed = new Uint8Array(total);
    this.#schedule();
  }

  /** Marks row `index` done (failed when `failed`). */
  mark(index, failed = false) {
    if (!(index >= 0 && index < this.#total)) return;
    this.#done[index] = 1;
    if (failed) this.#failed[index] = 1;
    this.#schedule();
  }

  #schedule() {
    if (this.#frame !== 0) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#draw();
    });
  }

  #draw() {
    const canvas = this.#canvas;
    const width = Math.max(100, canvas.clientWidth);
    const columns = Math.max(1, Math.floor((width + kGap) / (kCell + kGap)));
    const cells = Math.min(this.#total, columns * kMaxLines);
    const lines = Math.max(1, Math.ceil(cells / columns));
    const height = lines * (kCell + kGap);
    const scale = window.devicePixelRatio || 1;
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.style.height = `${height}px`;
    const context = canvas.getContext('2d');
    context.setTransform(scale, 0, 0, scale, 0, 0);
    context.clearRect(0, 0, width, height);
    if (cells === 0) return;
    const pending = cssVar('--pending', '#e5e7eb');
    const done = cssVar('--ok', '#16a34a');
    const failed = cssVar('--bad', '#dc2626');
    const perCell = this.#total / cells;
    for (let cell = 0; cell < cells; cell += 1) {
      const from = Math.floor(cell * perCell);
      const to = Math.max(from + 1, Math.floor((cell + 1) * perCell));
      let finished = 0;
      let failures = 0;
      for (let row = from; row < to; row += 1) {
        finished += this.#done[row];
        failures += this.#failed[row];
      }
      const x = (cell % columns) * (kCell + kGap);
      const y = Math.floor(cell / columns) * (kCell + kGap);
      context.globalAlpha = 1;
      context.fillStyle = pending;
      context.fillRect(x, y, kCell, kCell);
      if (finished > 0) {
        context.fillStyle = done;
        context.globalAlpha = 0.35 + (0.65 * finished) / (to - from);
        context.fillRect(x, y, kCell, kCell);
      }
      if (failures > 0) {
        // The failed share of the cell, from its bottom: a cell of one failed row is all red.
        const height = Math.max(2, Math.round((kCell * failures) / (to - from)));
        context.globalAlpha = 1;
        context.fillStyle = failed;
        context.fillRect(x, y + kCell - height, kCell, height);
      }
    }
    context.globalAlpha = 1;
  }
}
