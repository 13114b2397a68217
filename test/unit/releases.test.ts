/**
 * Releases and running refunds (docs/contract/refund-workflow.md): until 1.0.0 no refund of older
 * code runs anywhere, so the workflow carries no patch markers and no branches for older versions,
 * and the replay fixtures are recorded from the current code (test/replay.test.ts replays them).
 */
import fs from 'node:fs';
import path from 'node:path';

const SRC = path.resolve(__dirname, '../../src');
const sources = fs
  .readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((file) => /\.(ts|js)$/.test(file))
  .map((file) => ({ file, text: fs.readFileSync(path.join(SRC, file), 'utf8') }));
const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as {
  version: string;
};

test('before 1.0.0: no patched() and no legacy branch anywhere under src/', () => {
  expect(Number(version.split('.')[0])).toBe(0);
  const found = sources.filter(({ text }) => /\bpatched\(|deprecatePatch\(|legacy/i.test(text)).map(({ file }) => file);
  expect(found).toEqual([]);
});
