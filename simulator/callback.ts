import { describeTxStatus, TxStatus } from '../src/eko/answers';
import type { SimTransaction } from './model';
import type { SimState } from './state';

/** One transaction status callback the simulator sent, and how the partner answered it. */
export interface SentCallback {
  tid: string;
  txStatus: number;
  atMs: number;
  /** The partner's HTTP status, or why there was none. */
  answer: number | string;
}

const CALLBACK_TIMEOUT_MS = 5_000;

/**
 * Eko's transaction status callback (docs: "Transaction Status Callback"): a POST of the
 * documented body to the partner's one URL, unsigned and never retried, as the docs show it.
 * Sent in the background: Eko's own state changes whatever the partner answers.
 */
export function sendCallback(state: SimState, tx: SimTransaction, oldStatus: number): void {
  const url = state.config.callbackUrl;
  if (!url) return;
  const sent: SentCallback = { tid: tx.tid, txStatus: tx.txStatus, atMs: Date.now(), answer: 'sending' };
  state.callbacks.push(sent);
  const tid = Number(tx.tid);
  const body = {
    tx_status: tx.txStatus,
    amount: Number(tx.amount),
    payment_mode: '5',
    txstatus_desc: describeTxStatus(tx.txStatus),
    fee: Number(tx.fee),
    gst: 0.76,
    sender_name: 'NETWORK CULTURE',
    // A number as in Eko's sample, while it is one exactly.
    tid: Number.isSafeInteger(tid) ? tid : tx.tid,
    beneficiary_account_type: 1,
    client_ref_id: `sim-${tx.tid}`,
    old_tx_status: oldStatus,
    old_tx_status_desc: describeTxStatus(oldStatus),
    bank_ref_num: '409310866471',
    ifsc: 'SBIN0006839',
    recipient_name: 'Jitendra Choudhary',
    account: '36367758041',
    timestamp: istTimestamp(sent.atMs),
  };
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(CALLBACK_TIMEOUT_MS),
  })
    .then(async (response) => {
      await response.arrayBuffer();
      sent.answer = response.status;
    })
    .catch((err: Error) => {
      sent.answer = err.name === 'TimeoutError' ? 'timed out' : `no answer: ${err.message}`;
    });
}

/** Eko's callback timestamps: IST wall-clock time, no zone. */
function istTimestamp(ms: number): string {
  return new Date(ms + 5.5 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
}

/** A transaction fails the way Eko fails one: Refund Pending, an OTP texted, the partner called back. */
export function failTransaction(state: SimState, tx: SimTransaction, issueOtp: () => void): void {
  if (tx.txStatus === TxStatus.RefundPending || tx.txStatus === TxStatus.Refunded) {
    throw new Error(`transaction ${tx.tid} is ${describeTxStatus(tx.txStatus)}: only a live one can fail`);
  }
  const old = tx.txStatus;
  tx.txStatus = TxStatus.RefundPending;
  tx.pending = undefined;
  issueOtp();
  sendCallback(state, tx, old);
}
