import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { waitFor } from './wait';

const REPO = path.resolve(__dirname, '../..');
const LOCK = path.join(
  os.tmpdir(),
  `refund-build-${createHash('sha256').update(REPO).digest('hex').slice(0, 12)}.lock`,
);

/**
 * `npm run build`, for tests of the compiled entry points (dist/worker.js, dist/codec/main.js).
 * Test files run in parallel: two builds writing dist/ at once would let one test load the
 * other's half-written files, so builds take turns through a lock file.
 */
export async function buildProduction(): Promise<void> {
  await waitFor(
    'the build lock',
    async () => takeLock(),
    (taken) => taken,
    { timeoutMs: 300_000, everyMs: 200 },
  );
  try {
    await promisify(execFile)('npm', ['run', 'build'], { cwd: REPO });
  } finally {
    fs.rmSync(LOCK, { force: true });
  }
}

function takeLock(): boolean {
  try {
    fs.writeFileSync(LOCK, String(process.pid), { flag: 'wx' });
    return true;
  } catch {
    // A lock left by a test process that died would otherwise block every later build.
    if (!alive(Number(fs.readFileSync(LOCK, 'utf8')))) fs.rmSync(LOCK, { force: true });
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
