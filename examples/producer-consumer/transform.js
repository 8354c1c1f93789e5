// The handler module: runs in worker threads, one call per row. CPU-heavy on purpose: it
// computes statistics of the row's readings and a checksum over many rounds of arithmetic.
export default function transform(msg) {
  const { id, readings, rounds } = msg.payload;
  let sum = 0;
  let squares = 0;
  for (const value of readings) {
    sum += value;
    squares += value * value;
  }
  const mean = sum / readings.length;
  let checksum = id | 0;
  for (let round = 0; round < rounds; round += 1) {
    for (const value of readings) checksum = (Math.imul(checksum ^ (value * 1000) | 0, 16777619) + round) | 0;
  }
  return {
    id,
    mean: Math.round(mean * 1000) / 1000,
    stddev: Math.round(Math.sqrt(squares / readings.length - mean * mean) * 1000) / 1000,
    checksum: (checksum >>> 0).toString(16),
  };
}
