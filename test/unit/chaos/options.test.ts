// `npm run chaos` flags on commander: the same flags and defaults as before, --help from commander
// (with the exit codes), and a bad value refused before anything starts, naming its flag.
import { parseOptions } from '../../../scripts/chaos/options';
import { RECOVERY_MS } from '../../../scripts/chaos/plans';
import { UsageError } from '../../../scripts/lib/args';

function refusal(argv: string[]): string {
  try {
    parseOptions(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

test('defaults: 200 refunds, 20 at a time, 2 workers, an action a second, a random seed', () => {
  const options = parseOptions([])!;
  expect(options).toEqual({
    refunds: 200,
    concurrency: 20,
    workers: 2,
    actEveryMs: 1_000,
    deadlineMs: 200 * 3_000,
    seed: expect.any(Number),
    keepLogs: false,
  });
  expect(Number.isSafeInteger(options.seed) && options.seed >= 1).toBe(true);
});

test('the deadline: 3 s per refund, at least a recovery window and a minute; or as given', () => {
  expect(parseOptions(['--refunds', '20'])?.deadlineMs).toBe(RECOVERY_MS + 60_000);
  expect(parseOptions(['--deadline', '10m'])?.deadlineMs).toBe(600_000);
  expect(parseOptions(['--deadline=90s'])?.deadlineMs).toBe(90_000);
  expect(parseOptions(['--deadline', '45000'])?.deadlineMs).toBe(45_000);
});

test('values given, a seed of 0 and no operator included', () => {
  expect(
    parseOptions([
      '--refunds',
      '5',
      '--concurrency',
      '3',
      '--workers',
      '1',
      '--act-every',
      '0',
      '--seed',
      '0',
      '--keep-logs',
    ]),
  ).toMatchObject({ refunds: 5, concurrency: 3, workers: 1, actEveryMs: 0, seed: 0, keepLogs: true });
});

test('--help: commander prints every flag and the exit codes, and nothing runs', () => {
  let help = '';
  expect(parseOptions(['--help'], (text) => (help += text))).toBeUndefined();
  expect(help).toMatch(/^Usage: npm run chaos -- \[options\]/);
  for (const flag of [
    '--refunds <n>',
    '--concurrency <n>',
    '--workers <n>',
    '--act-every <ms>',
    '--deadline <d>',
    '--seed <n>',
    '--keep-logs',
  ]) {
    expect(help).toContain(`  ${flag} `);
  }
  expect(help).toContain('Exit code: 0 when every check holds, 1 on any violation, 2 when the run could not');
});

test.each([
  [['--refunds', 'x'], "option '--refunds <n>' argument 'x' is invalid. Must be an integer of at least 1."],
  [['--workers', '0'], 'Must be an integer of at least 1.'],
  [['--act-every', '-1'], 'Must be an integer of at least 0.'],
  [['--seed', '1.5'], "'--seed <n>' argument '1.5' is invalid"],
  [['--deadline', 'soon'], 'Must be a positive duration such as "10m", "90s" or milliseconds.'],
  [['--deadline', '0'], 'Must be a positive duration'],
  [['--keep-logs=yes'], "unknown option '--keep-logs=yes'"],
  [['--refund', '5'], "unknown option '--refund'"],
])('%j is refused, naming the flag, with the help', (argv, message) => {
  const text = refusal(argv);
  expect(text).toContain(message);
  expect(text).toContain('Usage: npm run chaos -- [options]');
});
