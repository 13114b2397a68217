/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testTimeout: 60_000,
  // Integration tests share one Temporal dev server per file; two cores do not gain from more workers.
  maxWorkers: 2,
};
