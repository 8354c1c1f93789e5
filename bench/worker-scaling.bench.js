// Worker-count scaling of the engine on two workloads, measured by the same harness as
// `eric-sse bench` (src/cli/bench/worker-scaling.ts, from the build): for 1, 2, 4 and 8
// workers, rows/s (median of interleaved rounds, with their spread), p50/p99 latency,
// speed-up, efficiency and the recommended count.
//   small — the handler returns its payload (transport and scheduling dominate);
//   cpu   — ~1 ms of integer arithmetic per row.
// `BENCH_QUICK=1` shrinks every run (a smoke test, not figures to quote).
import { measureWorkerScaling } from '../dist/cli/bench/worker-scaling.js';
import { formatBenchReport } from '../dist/cli/bench.js';
import { scalingChartSvg } from '../dist/cli/bench/scaling-chart.js';
import { writeFileSync } from 'node:fs';
import { saveResults } from './lib/results.js';
import { spin } from './lib/handlers.js';

const quick = process.env.BENCH_QUICK === '1';
const handlers = new URL('./lib/handlers.js', import.meta.url);

/** Spin iterations that take about 1 ms here (after warming the JIT). */
function calibrateSpin() {
  let iterations = 100_000;
  for (let round = 0; round < 5; round += 1) {
    const started = performance.now();
    for (let k = 0; k < 20; k += 1) spin({ payload: { i: k, iterations } });
    iterations = Math.round(iterations / ((performance.now() - started) / 20));
  }
  return iterations;
}

const iterations = calibrateSpin();
const workloads = {
  small: { exportName: 'echo', rows: Array.from({ length: 1000 }, (_, i) => ({ i, name: 'row', v: 1.5 })) },
  cpu: { exportName: 'spin', rows: Array.from({ length: 100 }, (_, i) => ({ i, iterations })) },
};
const figures = {};
for (const [name, workload] of Object.entries(workloads)) {
  const report = await measureWorkerScaling({
    handler: handlers,
    exportName: workload.exportName,
    rows: workload.rows,
    workerCounts: [1, 2, 4, 8],
    roundMs: quick ? 200 : 2000,
    rounds: 3,
    warmupMs: quick ? 100 : 1000,
    onProgress: (text) => process.stderr.write(`  … ${name}: ${text}\n`),
  });
  console.log(`\n${formatBenchReport(report, `${name} (bench/lib/handlers.js#${workload.exportName})`)}`);
  figures[name] = report;
  const chart = new URL(`./results/worker-scaling-${name}.svg`, import.meta.url);
  writeFileSync(chart, scalingChartSvg(report.results, `eric-sse engine: ${name} workload`, `${report.machine.cpuModel}, ${report.machine.availableParallelism} CPUs, Node ${report.machine.node}`));
}
saveResults('worker-scaling', { quick, cpuIterations: iterations, ...figures });
