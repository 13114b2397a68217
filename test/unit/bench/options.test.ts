// `npm run bench` flags on commander: the same flags and defaults as before, --help from commander,
// and a bad value refused before anything starts, naming its flag.
import { IMAGE, parseOptions } from '../../../scripts/bench/options';
import { UsageError } from '../../../scripts/lib/args';

const FLAGS = [
  '--quick',
  '--refunds <n>',
  '--in-flight <n>',
  '--parked <n,n,...>',
  '--baseline <n>',
  '--baseline-rounds <n>',
  '--baseline-concurrency <n>',
  '--history-refunds <n>',
  '--export <n>',
  '--callbacks <n>',
  '--webhook-refunds <n>',
  '--eko-latency <ms>',
  '--poll-interval <d>',
  '--max-poll-interval <d>',
  '--cache <n>',
  '--wft-slots <n>',
  '--activity-slots <n>',
  '--wft-pollers <n>',
  '--activity-pollers <n>',
  '--worker-heap-mb <n>',
  '--node-defaults',
  '--worker-runtime <r>',
];

function refusal(argv: string[]): string {
  try {
    parseOptions(argv);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
  throw new Error(`${argv.join(' ')} was accepted`);
}

test('defaults: a full run, measured as the image runs the worker', () => {
  expect(parseOptions([])).toEqual({
    quick: false,
    refunds: 500,
    inFlight: 500,
    parkedSteps: [1000, 5000, 20_000],
    baseline: 1000,
    baselineRounds: 3,
    baselineConcurrency: 200,
    historyRefunds: 3,
    exportRefunds: 10_000,
    callbacks: 200,
    webhookRefunds: 3,
    latencyMs: 0,
    pollInterval: '1s',
    maxPollInterval: '1s',
    tuning: {},
    workerNodeOptions: [`--max-old-space-size=${IMAGE.heapMb}`, ...IMAGE.nodeOptions],
    workerEnv: IMAGE.env,
    workerRuntime: 'js',
  });
});

test('--quick: the small run, every count of its own unless given', () => {
  expect(parseOptions(['--quick', '--callbacks', '7'])).toMatchObject({
    quick: true,
    refunds: 40,
    inFlight: 40,
    parkedSteps: [1000, 2000],
    baseline: 200,
    baselineRounds: 2,
    historyRefunds: 1,
    exportRefunds: 1000,
    callbacks: 7,
    webhookRefunds: 1,
  });
});

test('values, in both spellings, and the worker tuning given', () => {
  const options = parseOptions([
    '--refunds=100',
    '--in-flight',
    '10',
    '--parked',
    '0, 50,100',
    '--eko-latency',
    '0',
    '--poll-interval',
    '2 seconds',
    '--max-poll-interval=1m',
    '--cache',
    '0',
    '--wft-slots',
    '4',
    '--worker-heap-mb',
    '256',
    '--node-defaults',
    '--worker-runtime',
    'ts-node',
  ]);
  expect(options).toMatchObject({
    refunds: 100,
    inFlight: 10,
    parkedSteps: [0, 50, 100],
    latencyMs: 0,
    pollInterval: '2 seconds',
    maxPollInterval: '1m',
    tuning: { maxCachedWorkflows: 0, maxConcurrentWorkflowTaskExecutions: 4 },
    workerNodeOptions: ['--max-old-space-size=256'],
    workerEnv: {},
    workerRuntime: 'ts-node',
  });
  expect(parseOptions(['--node-defaults'])?.workerNodeOptions).toEqual([]);
});

test('--help: commander prints every flag, and nothing runs', () => {
  let help = '';
  expect(parseOptions(['--help'], (text) => (help += text))).toBeUndefined();
  expect(help).toMatch(/^Usage: npm run bench -- \[options\]/);
  for (const flag of FLAGS) expect(help).toContain(`  ${flag} `);
  expect(help).toContain('(default 500; quick 40)');
});

test.each([
  [['--refunds', 'many'], "option '--refunds <n>' argument 'many' is invalid. Must be an integer of at least 1."],
  [['--refunds', '0'], 'Must be an integer of at least 1.'],
  [['--in-flight', '2.5'], "'--in-flight <n>' argument '2.5' is invalid"],
  [['--worker-heap-mb', '32'], 'Must be an integer of at least 64.'],
  [['--cache', '-1'], 'Must be an integer of at least 0.'],
  [['--parked', '1000,500'], 'The counts must increase.'],
  [['--parked', '1000,x'], "'--parked <n,n,...>' argument '1000,x' is invalid"],
  [['--worker-runtime', 'bun'], 'Allowed choices are js, ts-node.'],
  [['--poll-interval', 'soon'], 'Must be a duration such as "30s", "15 minutes", "24 hours" or milliseconds.'],
  [['--poll-interval', '500ms'], 'Must be between 1 second and 1 hour.'],
  [['--refunds'], "option '--refunds <n>' argument missing"],
  [['--refundz', '5'], "unknown option '--refundz'"],
  [['500'], 'too many arguments'],
])('%j is refused, naming the flag, with the help', (argv, message) => {
  const text = refusal(argv);
  expect(text).toContain(message);
  expect(text).toContain('Usage: npm run bench -- [options]');
});
