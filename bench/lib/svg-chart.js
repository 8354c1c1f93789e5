// A small hand-written SVG line chart: y (log scale) against x, one line per series.
import { writeFileSync } from 'node:fs';

const kColors = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];

/**
 * Writes an SVG line chart to `file`.
 * @param {object} chart - `{ title, xLabel, yLabel, xs: number[], series: { name, values: number[], dashed? }[] }`
 */
export function writeLineChart(file, { title, xLabel, yLabel, xs, series }) {
  const width = 760;
  const height = 440;
  const m = { left: 80, right: 200, top: 40, bottom: 50 };
  const plotW = width - m.left - m.right;
  const plotH = height - m.top - m.bottom;
  const all = series.flatMap((s) => s.values).filter((v) => v > 0);
  const lo = 10 ** Math.floor(Math.log10(Math.min(...all)));
  const hi = 10 ** Math.ceil(Math.log10(Math.max(...all)));
  const x = (i) => m.left + (xs.length === 1 ? plotW / 2 : (i / (xs.length - 1)) * plotW);
  const y = (v) => m.top + plotH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
  const out = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="white"/>`);
  out.push(`<text x="${width / 2 - m.right / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`);
  for (let p = Math.log10(lo); p <= Math.log10(hi); p += 1) {
    const v = 10 ** p;
    out.push(`<line x1="${m.left}" x2="${m.left + plotW}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${m.left - 8}" y="${y(v) + 4}" text-anchor="end">${v >= 1000 ? `${v / 1000}k` : v}</text>`);
  }
  xs.forEach((xv, i) => {
    out.push(`<line x1="${x(i)}" x2="${x(i)}" y1="${m.top}" y2="${m.top + plotH}" stroke="#eee"/>`);
    out.push(`<text x="${x(i)}" y="${m.top + plotH + 18}" text-anchor="middle">${xv}</text>`);
  });
  out.push(`<text x="${m.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${xLabel}</text>`);
  out.push(`<text transform="translate(18 ${m.top + plotH / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`);
  series.forEach((s, k) => {
    const color = kColors[k % kColors.length];
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(Math.max(v, lo)).toFixed(1)}`).join(' ');
    out.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${points}"/>`);
    s.values.forEach((v, i) => out.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(Math.max(v, lo)).toFixed(1)}" r="3" fill="${color}"/>`));
    const ly = m.top + 10 + k * 20;
    out.push(`<line x1="${m.left + plotW + 15}" x2="${m.left + plotW + 40}" y1="${ly}" y2="${ly}" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    out.push(`<text x="${m.left + plotW + 46}" y="${ly + 4}">${s.name}</text>`);
  });
  out.push('</svg>');
  writeFileSync(file, `${out.join('\n')}\n`);
}
