// Run once before the tests: when the browser tests will skip (no Chromium, not CI), one line
// says so and how to install it.
import { existsSync } from 'node:fs';

export default function setup(): void {
  const chromium = process.env.ERIC_SSE_CHROMIUM || '/usr/bin/chromium';
  if (!existsSync(chromium) && process.env.CI !== 'true') {
    console.warn(`browser tests skipped: no ${chromium}; install it with: sudo apt-get install -y chromium (CI=true makes them fail instead)`);
  }
}
