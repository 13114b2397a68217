// Refunds that start themselves: the Eko simulator fails a transaction and POSTs Eko's documented
// transaction status callback to the API over real HTTP; the refund runs on the real dev server.
import { RefundOutcome, RefundPhase } from '../../src/contract';
import { TxStatus } from '../../src/eko/answers';
import { type ApiStack, auditEntries, callApi, startApiServer, startApiStack } from '../helpers/api-stack';
import { newTid } from '../helpers/refund-stack';
import { waitFor } from '../helpers/wait';

const TOKEN = 'callback-token-for-tests-0123456789abcdef';
const PATH = `/v1/eko/callback/${TOKEN}`;

let stack: ApiStack;
beforeAll(async () => {
  stack = await startApiStack({ ekoCallback: { token: TOKEN, allow: [], requestOtp: false } });
  stack.sim.configure({ callbackUrl: `${stack.url}${PATH}` });
}, 60_000);
afterAll(() => stack?.stop());

/** Eko's documented body (eko-api.md, "Transaction status callback") with the sample's personal data. */
const ekoBody = (tid: string | number, txStatus: number) => ({
  tx_status: txStatus,
  amount: 900.0,
  payment_mode: '5',
  txstatus_desc: 'Refund Pending',
  fee: 5.0,
  gst: 0.76,
  sender_name: 'NETWORK CULTURE',
  tid,
  beneficiary_account_type: 1,
  client_ref_id: '818234',
  old_tx_status: 2,
  old_tx_status_desc: 'Initiated',
  bank_ref_num: '409310866471',
  ifsc: 'SBIN0006839',
  recipient_name: 'Jitendra Choudhary',
  account: '36367758041',
  timestamp: '2024-04-02 10:48:41',
});

const describeRefund = (tid: string) => stack.server.env.client.workflow.getHandle(`refund-${tid}`).describe();
const noRefundOf = async (tid: string) => expect(describeRefund(tid)).rejects.toThrow(/not found/i);

describe('Eko’s transaction status callback', () => {
  test('a transaction Eko fails starts its refund by itself: AWAITING_OTP with no start call, then REFUNDED', async () => {
    const tid = newTid();
    stack.sim.seed({ tid, txStatus: TxStatus.Initiated, amount: '2500.00', fee: '25.00' });
    stack.sim.fail(tid);

    const waiting = await waitFor(
      'the refund started by the callback to wait for the OTP',
      () => stack.call('viewer', 'GET', `/v1/refunds/${tid}`),
      (a) => a.body?.phase === RefundPhase.AWAITING_OTP,
    );
    expect(waiting.status).toBe(200);
    expect((await describeRefund(tid)).memo).toMatchObject({ requestedBy: 'eko-callback' });
    expect(stack.sim.callbacks(tid)).toEqual([expect.objectContaining({ txStatus: 3, answer: 200 })]);
    // Eko texted an OTP at failure; the refund did not ask for another.
    expect(stack.sim.transaction(tid)!.calls.otp).toBe(0);
    expect(auditEntries(stack.logs).filter((a) => a.action === 'ekoCallback' && a.tid === tid)).toEqual([
      expect.objectContaining({ keyName: 'eko-callback', status: 200, result: 'created' }),
    ]);

    const otp = stack.sim.lastOtp(tid)!;
    const answer = await stack.call('support', 'POST', `/v1/refunds/${tid}/otp`, { otp });
    expect(answer.status).toBe(200);
    expect(await stack.refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.REFUNDED });
    expect(stack.sim.transaction(tid)!.refundCount).toBe(1);
  });

  test('a repeated callback finds the running refund; tid may be a number or a string', async () => {
    const tid = newTid();
    stack.sim.seed({ tid, sendOtp: true });
    const first = await stack.call(null, 'POST', PATH, ekoBody(Number(tid), 3));
    expect(first).toMatchObject({ status: 200, body: { received: true, refund: 'started' } });
    const again = await stack.call(null, 'POST', PATH, ekoBody(tid, 3));
    expect(again).toMatchObject({ status: 200, body: { received: true, refund: 'already-running' } });
    const runIds = await waitFor(
      'the run in visibility',
      async () => {
        const ids: string[] = [];
        for await (const run of stack.server.env.client.workflow.list({ query: `WorkflowId = 'refund-${tid}'` }))
          ids.push(run.runId);
        return ids;
      },
      (ids) => ids.length > 0,
    );
    expect(runIds).toEqual([(await describeRefund(tid)).runId]);
  });

  test('another status is counted and ignored: nothing starts', async () => {
    const tid = newTid();
    stack.sim.seed({ tid, txStatus: TxStatus.Success });
    const answer = await stack.call(null, 'POST', PATH, ekoBody(tid, TxStatus.Success));
    expect(answer).toMatchObject({ status: 200, body: { refund: 'ignored' } });
    await noRefundOf(tid);
    expect(auditEntries(stack.logs).filter((a) => a.action === 'ekoCallback' && a.tid === tid)).toEqual([
      expect.objectContaining({ result: 'ignored: tx_status 0' }),
    ]);
  });

  test('a forged callback for a transaction that succeeded ends NOT_REFUNDABLE: no OTP request, no refund call', async () => {
    const tid = newTid();
    stack.sim.seed({ tid, txStatus: TxStatus.Success });
    const answer = await stack.call(null, 'POST', PATH, ekoBody(tid, TxStatus.RefundPending));
    expect(answer.body.refund).toBe('started');
    expect(await stack.refunds.result(tid)).toMatchObject({ outcome: RefundOutcome.NOT_REFUNDABLE });
    expect(stack.sim.transaction(tid)!.calls).toMatchObject({ otp: 0, refund: 0 });
  });

  test.each([
    ['tid of letters', (tid: string) => JSON.stringify({ ...ekoBody(tid, 3), tid: `${tid}ab` }), /tid/],
    ['tx_status as text', (tid: string) => JSON.stringify({ ...ekoBody(tid, 3), tx_status: 'pending' }), /tx_status/],
    ['no tx_status', (tid: string) => JSON.stringify({ tid }), /tx_status/],
    ['an array', (tid: string) => JSON.stringify([ekoBody(tid, 3)]), /callback/],
    ['not JSON', (tid: string) => `{"tid": ${tid}, "tx_status": 3`, /JSON/],
    ['a huge body', (tid: string) => JSON.stringify({ ...ekoBody(tid, 3), padding: 'x'.repeat(100_000) }), /large/i],
  ])('a body that is not Eko’s shape (%s) gets a 4xx problem and starts nothing', async (what, body, detail) => {
    const tid = newTid();
    stack.sim.seed({ tid, sendOtp: true });
    const answer = await stack.call(null, 'POST', PATH, body(tid));
    // One reason, one status: a body over the limit is body-too-large (413) on every route.
    expect(answer.status).toBe(what === 'a huge body' ? 413 : 400);
    expect(answer.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(answer.body.detail).toMatch(detail);
    await noRefundOf(tid);
  });

  test('the body’s personal data and the token reach no log line', async () => {
    const tid = newTid();
    stack.sim.seed({ tid, sendOtp: true });
    await stack.call(null, 'POST', PATH, ekoBody(tid, 3));
    await stack.call(null, 'POST', PATH, JSON.stringify({ ...ekoBody('bad tid', 3) }));
    const logs = stack.logs.join('\n');
    for (const secret of [TOKEN, '36367758041', 'Jitendra', 'NETWORK CULTURE', 'SBIN0006839'])
      expect(logs).not.toContain(secret);
    expect(logs).toContain('/v1/eko/callback/…');
  });

  test('a wrong token is an unknown path; an address outside EKO_CALLBACK_ALLOW is refused', async () => {
    const tid = newTid();
    const wrong = await stack.call(null, 'POST', `/v1/eko/callback/${TOKEN.replace('c', 'd')}`, ekoBody(tid, 3));
    expect(wrong.status).toBe(404);
    const fenced = await startApiServer(stack.refunds, {
      ekoCallback: { token: TOKEN, allow: ['10.0.0.0/8'], requestOtp: false },
    });
    try {
      const refused = await callApi(fenced.url, null, 'POST', PATH, ekoBody(tid, 3));
      expect(refused.status).toBe(403);
    } finally {
      await fenced.close();
    }
    await noRefundOf(tid);
  });

  test('without EKO_CALLBACK_TOKEN the endpoint does not exist', async () => {
    const plain = await startApiServer(stack.refunds);
    try {
      const tid = newTid();
      // Unknown /v1 paths ask for a key first, as any path there does; with one, there is none.
      expect((await callApi(plain.url, null, 'POST', PATH, ekoBody(tid, 3))).status).toBe(401);
      expect((await plain.call('service', 'POST', PATH, ekoBody(tid, 3))).status).toBe(404);
      await noRefundOf(tid);
    } finally {
      await plain.close();
    }
  });
});
