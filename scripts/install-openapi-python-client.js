#!/usr/bin/env node
// Installs the pinned openapi-python-client generator, and what the clients it generates import,
// into .temporal/openapi-python-client (a venv of its own, ignored by git). Idempotent: quiet and
// quick once installed. test/integration/python-client.test.ts calls it; .ci/run installs it up
// front. Prints the venv's directory.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// The generator and the generated client's own dependencies (httpx, attrs, python-dateutil).
const PINS = {
  'openapi-python-client': '0.29.1',
  httpx: '0.28.1',
  attrs: '25.4.0',
  'python-dateutil': '2.9.0.post0',
};
const venv = path.resolve(__dirname, '..', '.temporal', 'openapi-python-client');
const stamp = path.join(venv, 'installed.json');
const wanted = JSON.stringify(PINS);

function installed() {
  try {
    return fs.readFileSync(stamp, 'utf8') === wanted;
  } catch {
    return false;
  }
}

function main() {
  if (!installed()) {
    const python = process.env.PYTHON || 'python3';
    const run = (cmd, args) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    run(python, ['-m', 'venv', '--clear', venv]);
    run(path.join(venv, 'bin', 'pip'), [
      'install',
      '--quiet',
      '--disable-pip-version-check',
      ...Object.entries(PINS).map(([name, version]) => `${name}==${version}`),
    ]);
    fs.writeFileSync(stamp, wanted);
  }
  process.stdout.write(`${venv}\n`);
}

main();
