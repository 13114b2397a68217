import { describeTxStatus, TxStatus } from '../src/eko/answers';
import { type Reply, amounts, dialectOf, EkoCode, failure, json, refusal } from './envelope';
import type { SimEndpoint, SimTransaction } from './model';
import { answerOtp } from './otp';
import { answerRefund } from './refund';
import type { SimState } from './state';

/** One Eko call, as the router read it: a signed request for one tid. */
export interface EkoCall {
  endpoint: SimEndpoint;
  tid: string;
  /** The JSON body of a POST ({} for the inquiry). */
  body: Record<string, unknown>;
  query: URLSearchParams;
}

/** Eko's answer to a call that passed the signature check: identity first, then the endpoint. */
export async function answerEko(state: SimState, call: EkoCall): Promise<Reply> {
  const { endpoint, tid, body, query } = call;
  const tx = state.transactions.get(tid);
  const dialect = dialectOf(tx, state.config.dialect);
  const initiatorId = endpoint === 'inquiry' ? query.get('initiator_id') : body.initiator_id;
  if (String(initiatorId ?? '') !== state.config.initiatorId) {
    return failure(dialect, EkoCode.InvalidInitiator, 'Invalid initiator');
  }
  if (endpoint !== 'otp') {
    const userCode = endpoint === 'inquiry' ? query.get('user_code') : body.user_code;
    if (String(userCode ?? '') !== state.config.userCode)
      return failure(dialect, EkoCode.UserNotFound, 'User not found');
  }
  if (!tx) {
    // Eko's inquiry sample refuses an unknown reference without a code.
    if (endpoint === 'inquiry' && dialect === 'response-code') return refusal('Invalid reference_id');
    return failure(dialect, EkoCode.TidUnknown, 'TID does not exist');
  }
  switch (endpoint) {
    case 'otp':
      return answerOtp(state, tx);
    case 'refund':
      return answerRefund(state, tx, body);
    case 'inquiry':
      return answerInquiry(tx);
  }
}

/** Transaction Inquiry; each inquiry moves a pending phase one step closer to settling. */
function answerInquiry(tx: SimTransaction): Reply {
  if (tx.pending) {
    if (tx.pending.inquiriesLeft <= 0) {
      tx.txStatus = tx.pending.settlesTo;
      tx.pending = undefined;
      // A refund Eko turned back to Refund Pending may be called again: no longer "applied".
      if (tx.txStatus === TxStatus.RefundPending) tx.refundAccepted = false;
    } else {
      tx.pending.inquiriesLeft -= 1;
    }
  }
  return json(200, {
    status: 0,
    response_status_id: -1,
    response_type_id: 1472,
    message: 'Transaction status',
    // Eko's inquiry sample sends tx_status as a string inside data.
    data: {
      tx_status: String(tx.txStatus),
      txstatus_desc: describeTxStatus(tx.txStatus),
      tid: tx.tid,
      ...amounts(tx, { amount: tx.amount, fee: tx.fee }),
    },
  });
}
