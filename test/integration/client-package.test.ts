// The client library as another project gets it: `npm run build`, `npm pack`, the tarball installed
// into a throwaway project outside the repo, and a consumer there that imports only the package by
// its name (type-checked by TypeScript, run by Node) refunding a tid to REFUNDED on the real stack
// (Temporal dev server, the Eko simulator, a worker) and verifying a delivered webhook's signature.
import { type ChildProcess, execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { RefundPhase } from '../../src/contract';
import { hasExited, spawnChild, stopChild } from '../../tools/children';
import { buildProduction } from '../helpers/build';
import { newTid, phaseOf, type RefundStack, startRefundStack } from '../helpers/refund-stack';
import { followSteps } from '../helpers/steps';
import { waitFor } from '../helpers/wait';

const REPO = path.resolve(__dirname, '..', '..');
const NAME = 'eko-refund-worker';
const SECRET = 'client-package-secret-0123456789abcdef';
const run = promisify(execFile);

/** What `npm pack --json` says of the tarball it wrote. */
interface Packed {
  filename: string;
  size: number;
  entryCount: number;
  files: { path: string }[];
}

/** One webhook POST as it arrived: the raw body and its signature header, untouched. */
interface Delivery {
  body: string;
  signature: string;
}

// The consumer: TypeScript importing only the installed package, compiled to CommonJS (`require`).
// It speaks JSON lines: it reports each step on stdout and reads the OTP and the delivery on stdin.
const CONSUMER = `
import { createInterface } from 'node:readline';
import {
  EVENT_TYPES,
  RefundClient,
  RefundRequestError,
  SIGNATURE_HEADER,
  verifyWebhook,
  type RefundStatus,
  type WebhookEvent,
} from '${NAME}';
import { InvalidInputError, RefundOutcome, type SubmitOtpResponse } from '${NAME}/contract';

// A type whose declaration did not resolve is \`any\` and takes anything: each line must be refused.
export async function typeChecks(refunds: RefundClient): Promise<void> {
  // @ts-expect-error a Temporal Client (the declarations import @temporalio/client) is no number
  const client: number = refunds.client;
  // @ts-expect-error the result's outcome is the contract's enum
  const outcome: number = (await refunds.result('1')).outcome;
  // @ts-expect-error the verifier answers a boolean
  const valid: string = verifyWebhook('{}', undefined, 'secret');
  // @ts-expect-error an answer's phase is a Phase
  const phase: boolean = ({} as SubmitOtpResponse).phase;
  // @ts-expect-error a status is an object
  const status: string = ({} as RefundStatus);
  return void [client, outcome, valid, phase, status];
}

const say = (message: object) => process.stdout.write(JSON.stringify(message) + '\\n');
const input = createInterface({ input: process.stdin });
const lines = input[Symbol.asyncIterator]();
async function next<T>(): Promise<T> {
  const line = await lines.next();
  if (line.done) throw new Error('stdin closed');
  return JSON.parse(line.value) as T;
}

async function main(): Promise<void> {
  const tid = process.env.TID!;
  const refunds = await RefundClient.connect(); // TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, REFUND_TASK_QUEUE
  let invalidInput = false;
  try {
    await refunds.start({ tid: 'not-a-tid' });
  } catch (err) {
    invalidInput = err instanceof InvalidInputError;
  }
  const started = await refunds.start({ tid, requestedBy: 'client-package-test', reason: 'installed client' });
  say({ step: 'started', started, invalidInput });

  const { otp } = await next<{ otp: string }>();
  const answer = await refunds.submitOtp(tid, { otp });
  const result = await refunds.result(tid);
  let refused = false;
  try {
    await refunds.submitOtp(tid + '0', { otp }); // no refund of that tid
  } catch (err) {
    refused = err instanceof RefundRequestError;
  }
  say({ step: 'result', answer, outcome: result.outcome, refunded: result.outcome === RefundOutcome.REFUNDED, refused });

  const delivery = await next<{ body: string; signature: string }>();
  const event = JSON.parse(delivery.body) as WebhookEvent;
  say({
    step: 'verified',
    header: SIGNATURE_HEADER,
    type: event.type,
    known: EVENT_TYPES.includes(event.type),
    valid: verifyWebhook(delivery.body, delivery.signature, process.env.WEBHOOK_SECRET!),
    tampered: verifyWebhook(delivery.body.replace(tid, tid + '0'), delivery.signature, process.env.WEBHOOK_SECRET!),
    wrongSecret: verifyWebhook(delivery.body, delivery.signature, 'not-the-secret-0123456789abcdef0123'),
  });
  input.close();
  await refunds.client.connection.close();
}

main().catch((err: Error) => {
  say({ step: 'error', message: err.stack ?? String(err) });
  process.exitCode = 1;
});
`;

let dir: string;
let packed: Packed;
let stack: RefundStack | undefined;
let hooks: { url: string; deliveries: Delivery[]; close(): Promise<void> } | undefined;
let consumer: ChildProcess | undefined;

/** Builds, packs and installs the package into a new project in os.tmpdir(); compiles the consumer. */
async function installPackage(): Promise<void> {
  await buildProduction();
  const packDir = path.join(dir, 'pack');
  fs.mkdirSync(packDir);
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', packDir], { cwd: REPO });
  [packed] = JSON.parse(stdout) as Packed[];

  const project = path.join(dir, 'consumer');
  fs.mkdirSync(project);
  fs.writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'refund-client-consumer', version: '0.0.0', private: true }),
  );
  // As an integrator would: the package's postinstall does nothing when it is a dependency.
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', path.join(packDir, packed.filename)], {
    cwd: project,
    timeout: 240_000,
  });

  fs.writeFileSync(path.join(project, 'consumer.ts'), CONSUMER);
  const compilerOptions = {
    target: 'ES2022',
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    // The repo's @types/node: the consumer project installs nothing but the package.
    typeRoots: [path.join(REPO, 'node_modules', '@types')],
  };
  const tsconfig = (name: string, options: object) =>
    fs.writeFileSync(
      path.join(project, name),
      JSON.stringify({ compilerOptions: { ...compilerOptions, ...options }, files: ['consumer.ts'] }),
    );
  // Node's resolution reads the exports map; the classic one ("node10") the types and typesVersions fields.
  tsconfig('tsconfig.json', { module: 'node16', moduleResolution: 'node16' });
  tsconfig('tsconfig.node10.json', { module: 'commonjs', moduleResolution: 'node10', noEmit: true });
  const tsc = require.resolve('typescript/bin/tsc');
  for (const config of ['tsconfig.json', 'tsconfig.node10.json'])
    await run(process.execPath, [tsc, '-p', config], { cwd: project }).catch((err: { stdout?: string }) => {
      throw new Error(`tsc -p ${config} in the consumer project:\n${err.stdout}`);
    });
}

/** A subscriber endpoint that keeps each delivery's raw body and signature for the consumer. */
async function startCapture(): Promise<NonNullable<typeof hooks>> {
  const deliveries: Delivery[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      deliveries.push({
        body: Buffer.concat(chunks).toString(),
        signature: String(request.headers['eko-refund-signature']),
      });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/refund-events`,
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'refund-client-package-'));
  // Building and installing use the CPU while the Temporal server starts: side by side, both settled
  // before afterAll, whichever fails.
  const stackReady = (async () => {
    hooks = await startCapture();
    stack = await startRefundStack({
      webhooks: [{ name: 'consumer', url: hooks.url, secret: SECRET, events: ['refund.refunded'] }],
    });
  })();
  const results = await Promise.allSettled([installPackage(), stackReady]);
  for (const result of results) if (result.status === 'rejected') throw result.reason;
}, 420_000);

afterAll(async () => {
  if (consumer) await stopChild(consumer);
  await stack?.stop();
  await hooks?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

test('the tarball holds the built client with its declarations, and no sources, tests or binaries', () => {
  const files = packed.files.map((f) => f.path);
  expect(files).toEqual(
    expect.arrayContaining([
      'package.json',
      'dist/client.js',
      'dist/client.d.ts',
      'dist/contract/index.js',
      'dist/contract/index.d.ts',
      'dist/notifications/signature.js',
    ]),
  );
  // Besides dist/, only what npm always packs and the postinstall's script (npm runs it on install).
  expect(files.filter((f) => !f.startsWith('dist/')).sort()).toEqual([
    'README.md',
    'package.json',
    'scripts/install-temporal.js',
  ]);
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.map'))).toEqual([]);
  const installed = JSON.parse(fs.readFileSync(path.join(dir, 'consumer', 'package.json'), 'utf8'));
  expect(installed.dependencies[NAME]).toMatch(/^file:.*\.tgz$/);
  // The compiled consumer loads the package with a plain require, as a JavaScript project would.
  expect(fs.readFileSync(path.join(dir, 'consumer', 'consumer.js'), 'utf8')).toContain(`require("${NAME}")`);
});

test('a project with the installed package refunds a tid to REFUNDED and verifies the signed webhook', async () => {
  const live = stack!;
  const tid = newTid();
  live.sim.seed({ tid });
  const child = spawnChild(process.execPath, ['consumer.js'], {
    cwd: path.join(dir, 'consumer'),
    // Only what a service of its own would have: no repo paths, no encryption keys.
    env: {
      PATH: process.env.PATH,
      HOME: path.join(dir, 'consumer'),
      TEMPORAL_ADDRESS: live.server.env.address,
      TEMPORAL_NAMESPACE: 'default',
      REFUND_TASK_QUEUE: live.taskQueue,
      TID: tid,
      WEBHOOK_SECRET: SECRET,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  consumer = child;
  const tell = (message: object) => child.stdin!.write(`${JSON.stringify(message)}\n`);
  const step = followSteps(child, 'the consumer');

  expect(await step('started')).toMatchObject({
    started: { workflowId: `refund-${tid}`, created: true },
    invalidInput: true,
  });
  await phaseOf(live.refunds, tid, RefundPhase.AWAITING_OTP);
  tell({ otp: live.sim.lastOtp(tid) });
  expect(await step('result')).toMatchObject({
    answer: { phase: 'REFUNDED' },
    outcome: 'REFUNDED',
    refunded: true,
    refused: true,
  });

  const delivered = await waitFor(
    `the refund.refunded event of ${tid}`,
    async () => hooks!.deliveries.find((d) => d.body.includes(`"tid":"${tid}"`)),
    (d) => d !== undefined,
    { timeoutMs: 60_000 },
  );
  child.stdin!.end(`${JSON.stringify(delivered)}\n`);
  expect(await step('verified')).toEqual({
    step: 'verified',
    header: 'Eko-Refund-Signature',
    type: 'refund.refunded',
    known: true,
    valid: true,
    tampered: false,
    wrongSecret: false,
  });
  expect(
    await new Promise((resolve) => (hasExited(child) ? resolve(child.exitCode) : child.once('exit', resolve))),
  ).toBe(0);
}, 120_000);
