import { TxStatus } from '../src/eko/answers';
import { type Reply, addMoney, amounts, dialectOf, EkoCode, failure, json, refusal, Refused } from './envelope';
import { DEFAULT_APPLY_AFTER_MS } from './faults';
import type { SimTransaction } from './model';
import type { SimState } from './state';

/**
 * Initiate Refund. The OTP is single-use and the effect happens at most once per tid: the
 * refund counter proves it. A `slow_apply` fault makes Eko take `applyAfterMs` to apply an
 * accepted refund: the OTP is consumed at once, tx_status stays 3 meanwhile, and the answer
 * comes only when the refund is applied (after the client's timeout, if it is shorter).
 */
export async function answerRefund(state: SimState, tx: SimTransaction, body: Record<string, unknown>): Promise<Reply> {
  const dialect = dialectOf(tx, state.config.dialect);
  if (tx.txStatus === TxStatus.Refunded) return refusal(Refused.AlreadyRefunded);
  if (tx.txStatus !== TxStatus.RefundPending) return refusal(Refused.NotRefundable);
  if (tx.rejectRefund) return failure(dialect, tx.rejectRefund.status, tx.rejectRefund.message);
  const otp = String(body.otp ?? '');
  const otpRefId = String(body.otp_ref_id ?? '');
  // While a refund is being applied its OTP is gone, so a second call with it is a wrong OTP.
  if (!tx.otp || otp !== tx.otp.code || (otpRefId !== '' && otpRefId !== tx.otp.refId)) {
    return failure(dialect, EkoCode.WrongOtp, 'Wrong OTP');
  }
  if (tx.otp.expiresAtMs <= Date.now()) return failure(dialect, EkoCode.OtpExpired, 'OTP expired');
  // A new OTP, sent while the first refund is still being applied, must not refund twice.
  if (tx.applyingUntilMs !== undefined) return failure(dialect, EkoCode.Busy, 'Another transaction is in progress');

  tx.otp = undefined;
  tx.refundAccepted = true;
  const slow = state.faults.takeSlowApply(tx.tid);
  if (slow) {
    const applyAfterMs = slow.applyAfterMs ?? DEFAULT_APPLY_AFTER_MS;
    tx.applyingUntilMs = Date.now() + applyAfterMs;
    try {
      await state.wait(applyAfterMs);
    } finally {
      tx.applyingUntilMs = undefined;
    }
  }
  applyRefund(state, tx);
  return refundAnswer(tx);
}

function applyRefund(state: SimState, tx: SimTransaction): void {
  tx.refundCount += 1;
  tx.refundTid = state.nextRefundTid();
  if (tx.refundMode === 'pending') {
    tx.txStatus = TxStatus.Initiated;
    tx.pending = { inquiriesLeft: tx.refundPendingInquiries, settlesTo: tx.refundSettlesTo };
  } else {
    tx.txStatus = TxStatus.Refunded;
  }
}

/** Eko's "Refund done" sample; in pending mode "Refund initiated" with tx_status 2. */
function refundAnswer(tx: SimTransaction): Reply {
  const pending = tx.refundMode === 'pending';
  return json(200, {
    status: 0,
    response_status_id: 0,
    response_type_id: 74,
    message: pending ? 'Refund initiated' : 'Refund done',
    data: {
      refund_tid: tx.refundTid,
      tid: tx.tid,
      ...amounts(tx, {
        amount: tx.amount,
        refunded_amount: addMoney(tx.amount, tx.fee),
        fee: tx.fee,
        tds: '0.00',
        commission_reverse: '0.00',
        balance: '2.22263731286E9',
      }),
      currency: 'INR',
      timestamp: new Date().toISOString(),
      ...(pending ? { tx_status: TxStatus.Initiated } : {}),
    },
  });
}
