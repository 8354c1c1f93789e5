// `eric-sse bench` as a real child process on a real handler: the table, the machine, the
// recommendation, --json and --svg files, sample rows from a file, and its errors.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixture, runCli, tempDir } from './cli-helpers.js';

// Short rounds: the test checks what is reported, not how fast (figures belong in bench/).
const kQuick = ['--duration', '300ms', '--rounds', '2', '--warmup', '50ms'];

interface BenchJson {
  handler: string;
  export: string;
  machine: { cpuModel: string; cpus: number; availableParallelism: number; node: string };
  settings: { rounds: number; roundMs: number; warmupMs: number; sampleRows: number };
  results: Array<{ workers: number; rowsPerSecond: number; min: number; max: number; p50Ms: number; p99Ms: number; speedup: number; efficiency: number; rounds: unknown[] }>;
  recommendedWorkers: number;
}

describe('eric-sse bench', () => {
  it('compares worker counts: a row per count, the machine, a recommendation; --json and --svg', async () => {
    const dir = tempDir();
    const json = path.join(dir, 'bench.json');
    const svg = path.join(dir, 'bench.svg');
    const result = await runCli(['bench', '--handler', fixture('row-handler.js'), '--payload', '{"n":3}', '--workers', '2,1', ...kQuick, '--json', json, '--svg', svg]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const out = result.stdout;
    expect(out).toMatch(/^eric-sse bench: row-handler\.js, 1 sample row\n/);
    expect(out).toMatch(new RegExp(`\\nmachine: .+, \\d+ CPUs \\(\\d+ available\\), .* GiB, Node ${process.version.replace(/\./g, '\\.')}, `));
    expect(out).toContain('rounds: 2 × 150 ms per worker count, interleaved, after a 50 ms warm-up\n');
    expect(out).toMatch(/\nworkers +rows\/s +spread +p50 ms +p99 ms +speed-up +efficiency\n +1 +[\d,]+ +±[\d.]+% +[\d.]+ +[\d.]+ +1\.00x +100%\n +2 +[\d,]+ /);
    const report = JSON.parse(readFileSync(json, 'utf8')) as BenchJson;
    expect(report.handler).toMatch(/^file:.*row-handler\.js$/);
    expect(report.export).toBe('default');
    expect(report.machine.node).toBe(process.version);
    expect(report.settings).toMatchObject({ rounds: 2, roundMs: 150, warmupMs: 50, sampleRows: 1 });
    expect(report.results.map((r) => r.workers)).toEqual([1, 2]);
    for (const r of report.results) {
      expect(r.rounds).toHaveLength(2);
      expect(r.rowsPerSecond).toBeGreaterThan(0);
      expect(r.min).toBeLessThanOrEqual(r.rowsPerSecond);
      expect(r.max).toBeGreaterThanOrEqual(r.rowsPerSecond);
      expect(r.p99Ms).toBeGreaterThanOrEqual(r.p50Ms);
    }
    expect(report.results[0]).toMatchObject({ speedup: 1, efficiency: 1 });
    // The recommendation: the smallest count within 5 % of the best.
    const best = Math.max(...report.results.map((r) => r.rowsPerSecond));
    const expected = Math.min(...report.results.filter((r) => r.rowsPerSecond >= best * 0.95).map((r) => r.workers));
    expect(report.recommendedWorkers).toBe(expected);
    expect(out).toMatch(new RegExp(`\\nrecommendation: ${expected} workers? \\(`));
    expect(out).toContain(`saved ${json}, ${svg}\n`);
    const chart = readFileSync(svg, 'utf8');
    expect(chart).toMatch(/^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    expect(chart).toContain('ideal scaling');
    expect(chart.match(/<circle /g)).toHaveLength(2);
    expect(chart.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('takes its sample rows from an NDJSON or CSV file, and a named export', async () => {
    const dir = tempDir();
    const csv = path.join(dir, 'sample.csv');
    writeFileSync(csv, 'name,qty\na,1\nb,2\nc,3\n');
    const result = await runCli(['bench', '--handler', `${fixture('cli/upper-handler.js')}#asText`, '--input', csv, '--workers', '1', ...kQuick]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^eric-sse bench: upper-handler\.js#asText, 3 sample rows\n/);
    expect(result.stdout).toContain('recommendation: 1 worker (the most rows/s');
  });

  it('a handler that fails on every row: exit 1, naming the error', async () => {
    const result = await runCli(['bench', '--handler', fixture('row-handler.js'), '--payload', '{"n":1,"fail":true}', '--workers', '1', ...kQuick]);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe('eric-sse: the benchmark failed: the handler failed on every row: row 1 asked to fail\n');
  });

  it('usage mistakes exit 2 with the usage line', async () => {
    const handler = fixture('row-handler.js');
    const cases: Array<[string[], string]> = [
      [['bench'], 'bench needs --handler MODULE[#EXPORT]'],
      [['bench', '--handler', handler, '--workers', '1,x'], '--workers expects a list of positive whole numbers such as 1,2,4,8, got "1,x"'],
      [['bench', '--handler', handler, '--duration', 'soon'], '--duration expects a time such as 500ms, 5s or 2m, got "soon"'],
      [['bench', '--handler', handler, '--payload', '{oops'], '--payload expects JSON'],
      [['bench', '--handler', handler, '--payload', '1', '--input', 'x.ndjson'], 'bench takes --input FILE or --payload JSON, not both'],
      [['bench', '--handler', handler, '--input', '/no/such.ndjson'], 'cannot read --input "/no/such.ndjson"'],
      [['bench', '--handler', handler, '--svg'], '--svg needs a value'],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    cases.forEach(([args, message], i) => {
      expect([args, results[i]!.code]).toEqual([args, 2]);
      expect(results[i]!.stderr).toContain(message);
      expect(results[i]!.stderr).toContain('Usage: eric-sse bench --handler MODULE[#EXPORT] [--input FILE | --payload JSON] [options]\nRun "eric-sse bench --help" for every option.\n');
    });
  });
});
