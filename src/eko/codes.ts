/** Eko's codes (docs/contract/eko-api.md) and how to find the one that matters in an answer. */
import { TxStatus } from './answers';

export const CODE_WRONG_OTP = 302;
export const CODE_OTP_EXPIRED = 303;
export const CODE_TID_UNKNOWN = 168;
export const CODE_INSUFFICIENT_BALANCE = 347;
export const CODE_BUSY = -2;
export const CODES_CONFIGURATION: ReadonlySet<number> = new Set([319, 346, 463, 1297]);

/** The table of error codes on the refund path: each may come in `status` or `response_status_id`. */
const KNOWN_CODES: ReadonlySet<number> = new Set([
  CODE_WRONG_OTP,
  CODE_OTP_EXPIRED,
  CODE_TID_UNKNOWN,
  CODE_INSUFFICIENT_BALANCE,
  CODE_BUSY,
  ...CODES_CONFIGURATION,
]);

export const RESPONSE_TYPE_OTP_SENT = 2133;
export const RESPONSE_TYPE_INQUIRY_SUCCESS = 1472;

/** The coarse values of `response_status_id`: -1 success (read-only call), 0 success, 1 failure, 2..5 states. */
const COARSE_RESPONSE_STATUS: ReadonlySet<number> = new Set([-1, 0, 1, 2, 3, 4, 5]);
const FAILED_STATUS: ReadonlySet<number> = new Set([1, -1]);

export function isKnownCode(code: number | undefined): boolean {
  return code !== undefined && KNOWN_CODES.has(code);
}

/**
 * The granular code of an answer. Eko's samples put it in either field: `{status: 302,
 * response_status_id: 1}` and `{status: 1, response_status_id: 302}`. A code of the table wins
 * wherever it is; an unknown code in response_status_id wins over a failed status (1, -1) or none.
 * A status 0 keeps its code: an unknown code never turns a success into something else.
 */
export function granularCode(status: number | undefined, responseStatusId: number | undefined): number | undefined {
  if (isKnownCode(status)) return status;
  if (isKnownCode(responseStatusId)) return responseStatusId;
  const statusSaysFailedOrNothing = status === undefined || FAILED_STATUS.has(status);
  if (statusSaysFailedOrNothing && responseStatusId !== undefined && !COARSE_RESPONSE_STATUS.has(responseStatusId)) {
    return responseStatusId;
  }
  return status ?? responseStatusId;
}

/**
 * States that say a refund may be under way or done, read from tx_status or, failing that, from
 * response_status_id (2 initiated, 3 refund initiated, 4 refunded, 5 on hold). A refusal that
 * carries one is a question for an inquiry, not an answer. Eko: a tx_status outside its table is
 * treated as initiated, so only 0 (success) and 1 (fail) are not under way.
 */
const TX_STATUS_NOT_UNDER_WAY: ReadonlySet<number> = new Set([TxStatus.Success, TxStatus.Fail]);
const RESPONSE_STATUS_UNDER_WAY: Readonly<Record<number, { txStatus: number; txStatusDesc: string }>> = {
  2: { txStatus: TxStatus.Initiated, txStatusDesc: 'Initiated (response_status_id 2)' },
  3: { txStatus: TxStatus.Initiated, txStatusDesc: 'Refund initiated (response_status_id 3)' },
  4: { txStatus: TxStatus.Refunded, txStatusDesc: 'Refunded (response_status_id 4)' },
  5: { txStatus: TxStatus.OnHold, txStatusDesc: 'On hold (response_status_id 5)' },
};

export function stateUnderWay(
  txStatus: number | undefined,
  responseStatusId: number | undefined,
): { txStatus: number; txStatusDesc?: string } | undefined {
  if (txStatus !== undefined) return TX_STATUS_NOT_UNDER_WAY.has(txStatus) ? undefined : { txStatus };
  return responseStatusId === undefined ? undefined : RESPONSE_STATUS_UNDER_WAY[responseStatusId];
}
