/**
 * The SVG chart of `eric-sse bench --svg`: rows/s against worker count (median, with each
 * count's round-to-round range as a bar), and the ideal-scaling line (the smallest count's
 * rows/s times the thread ratio). Plain SVG text, no dependency: a dozen shapes do not need
 * a charting library.
 */
import type { WorkerCountFigures } from './worker-scaling.js';

const kWidth = 720;
const kHeight = 420;
const kMargin = { left: 80, right: 170, top: 48, bottom: 52 };

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** A round number of rows/s for an axis label: `12k`, `1.5M`. */
function shortCount(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(+n.toFixed(1));
}

/** A "nice" step (1, 2 or 5 times a power of ten) giving about `count` ticks up to `max`. */
function niceStep(max: number, count: number): number {
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const unit = raw / power;
  return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
}

/** The chart as an SVG document; `title` heads it (say, the handler and the machine). */
export function scalingChartSvg(results: readonly WorkerCountFigures[], title: string, subtitle: string): string {
  const sorted = [...results].sort((a, b) => a.workers - b.workers);
  const base = sorted[0]!;
  const ideal = sorted.map((r) => (base.rowsPerSecond * r.workers) / base.workers);
  const top = Math.max(...sorted.map((r) => r.max), ...ideal) * 1.05 || 1;
  const step = niceStep(top, 5);
  const yMax = Math.ceil(top / step) * step;
  const xMax = Math.max(...sorted.map((r) => r.workers));
  const plotW = kWidth - kMargin.left - kMargin.right;
  const plotH = kHeight - kMargin.top - kMargin.bottom;
  const x = (workers: number): number => kMargin.left + (xMax === 0 ? 0 : (workers / xMax) * plotW);
  const y = (value: number): number => kMargin.top + plotH - (value / yMax) * plotH;
  const f = (n: number): string => n.toFixed(1);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${kWidth}" height="${kHeight}" viewBox="0 0 ${kWidth} ${kHeight}" font-family="sans-serif" font-size="12">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${kMargin.left}" y="20" font-size="15">${escapeXml(title)}</text>`,
    `<text x="${kMargin.left}" y="37" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  for (let v = 0; v <= yMax + step / 2; v += step) {
    out.push(`<line x1="${kMargin.left}" x2="${kMargin.left + plotW}" y1="${f(y(v))}" y2="${f(y(v))}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${kMargin.left - 8}" y="${f(y(v) + 4)}" text-anchor="end">${shortCount(v)}</text>`);
  }
  for (const r of sorted) {
    out.push(`<text x="${f(x(r.workers))}" y="${kMargin.top + plotH + 18}" text-anchor="middle">${r.workers}</text>`);
  }
  out.push(`<line x1="${kMargin.left}" x2="${kMargin.left}" y1="${kMargin.top}" y2="${kMargin.top + plotH}" stroke="#999"/>`);
  out.push(`<line x1="${kMargin.left}" x2="${kMargin.left + plotW}" y1="${kMargin.top + plotH}" y2="${kMargin.top + plotH}" stroke="#999"/>`);
  out.push(`<text x="${kMargin.left + plotW / 2}" y="${kHeight - 12}" text-anchor="middle">worker threads</text>`);
  out.push(`<text transform="translate(20 ${kMargin.top + plotH / 2}) rotate(-90)" text-anchor="middle">rows per second</text>`);
  const line = (values: number[]): string => sorted.map((r, i) => `${f(x(r.workers))},${f(y(values[i]!))}`).join(' ');
  out.push(`<polyline fill="none" stroke="#999" stroke-width="2" stroke-dasharray="6 4" points="${line(ideal)}"/>`);
  out.push(`<polyline fill="none" stroke="#1f77b4" stroke-width="2.5" points="${line(sorted.map((r) => r.rowsPerSecond))}"/>`);
  for (const r of sorted) {
    const cx = f(x(r.workers));
    out.push(`<line x1="${cx}" x2="${cx}" y1="${f(y(r.min))}" y2="${f(y(r.max))}" stroke="#1f77b4" stroke-width="6" stroke-opacity="0.3"/>`);
    out.push(`<circle cx="${cx}" cy="${f(y(r.rowsPerSecond))}" r="4" fill="#1f77b4"><title>${r.workers} workers: ${r.rowsPerSecond} rows/s (${r.min}–${r.max})</title></circle>`);
  }
  const legendX = kMargin.left + plotW + 16;
  out.push(`<line x1="${legendX}" x2="${legendX + 26}" y1="${kMargin.top + 10}" y2="${kMargin.top + 10}" stroke="#1f77b4" stroke-width="2.5"/>`);
  out.push(`<text x="${legendX + 32}" y="${kMargin.top + 14}">measured (median)</text>`);
  out.push(`<line x1="${legendX}" x2="${legendX + 26}" y1="${kMargin.top + 32}" y2="${kMargin.top + 32}" stroke="#1f77b4" stroke-width="6" stroke-opacity="0.3"/>`);
  out.push(`<text x="${legendX + 32}" y="${kMargin.top + 36}">range of rounds</text>`);
  out.push(`<line x1="${legendX}" x2="${legendX + 26}" y1="${kMargin.top + 54}" y2="${kMargin.top + 54}" stroke="#999" stroke-width="2" stroke-dasharray="6 4"/>`);
  out.push(`<text x="${legendX + 32}" y="${kMargin.top + 58}">ideal scaling</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
