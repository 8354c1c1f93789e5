// Job handlers for the HTTP service: `npm start` registers them (see package.json), and
// `eric-sse serve --http --handler cpu=examples/jobs/handlers.js#cpu` registers one by name.
// Each runs in a worker thread and gets `{ type, payload }`, the payload being one row.

/** Rounds of arithmetic in `cpu` per row: about 1 ms on a current x86 core. */
const kDefaultRounds = 250_000;

/**
 * CPU-heavy: `row.rounds` (default ~1 ms worth) rounds of integer arithmetic seeded with
 * `row.n` (or the row itself when it is a number). Returns `{ n, checksum }`.
 */
export function cpu(msg) {
  const row = msg.payload;
  const n = typeof row === 'number' ? row : Number(row?.n ?? 0);
  const rounds = Number.isInteger(row?.rounds) && row.rounds >= 0 ? row.rounds : kDefaultRounds;
  let x = n | 0;
  for (let k = 0; k < rounds; k += 1) x = (Math.imul(x, 1103515245) + 12345) | 0;
  return { n, checksum: x >>> 0 };
}

/** How many primes are below `row.n` (or the row, a number): more work for larger rows. */
export function primes(msg) {
  const row = msg.payload;
  const limit = typeof row === 'number' ? row : row?.n;
  if (!Number.isInteger(limit) || limit < 0 || limit > 50_000_000) {
    throw new RangeError(`primes needs a row that is a whole number up to 50,000,000 (or { "n": ... }), got ${JSON.stringify(row)}`);
  }
  let count = 0;
  for (let candidate = 2; candidate < limit; candidate += 1) {
    let prime = true;
    for (let d = 2; d * d <= candidate; d += 1) {
      if (candidate % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count += 1;
  }
  return { n: limit, primes: count };
}

/** Small rows, next to no work: squares a number (or `row.n`); any other row fails, and the job goes on. */
export function square(msg) {
  const row = msg.payload;
  const n = typeof row === 'number' ? row : row?.n;
  if (typeof n !== 'number') throw new TypeError(`square needs a number (or { "n": number }), got ${JSON.stringify(row)}`);
  return n * n;
}
