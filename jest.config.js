/** @type {import('jest').Config} */
module.exports = {
  preset: 'ts-jest',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  // test/cluster needs Temporal Server built from its Go module (minutes): `npm run test:cluster`.
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/cluster/'],
  testTimeout: 60_000,
  // Integration tests share one Temporal dev server per file; two cores do not gain from more workers.
  maxWorkers: 2,
};
