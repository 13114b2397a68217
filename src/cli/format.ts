/** Readable output for support staff. Everything shown comes from the refund's state, which holds no secrets. */
import type { RefundStatus, RefundSummary } from '../client';
import {
  type EkoAnswerSummary,
  isOutcome,
  type PhaseTransition,
  type RefundAmounts,
  RefundPhase,
  type RefundResult,
  type SubmitOtpResponse,
} from '../contract';
import { CLI } from './exit-codes';

export function formatStatus(status: RefundStatus, now = Date.now()): string {
  const rows: [string, string | undefined][] = [
    ['phase', status.phase],
    ['outcome', status.outcome && `${status.outcome}: ${lastReason(status.transitions)}`],
    ['OTP', otpLine(status, now)],
    ['sent to Eko', status.submittedToEko ? 'yes: the refund is tracked to a final outcome' : 'no'],
    ['last Eko answer', status.lastEkoAnswer && formatEkoAnswer(status.lastEkoAnswer)],
    ['refund', status.refund && formatAmounts(status.refund)],
    ['in progress', status.pendingActivity && formatActivity(status.pendingActivity)],
    ['started', status.createdAt],
    ['updated', status.updatedAt],
  ];
  const lines = [`Refund of tid ${status.tid} (workflow ${status.workflowId}, run ${status.runId})`];
  for (const [label, value] of rows) if (value !== undefined) lines.push(`  ${label.padEnd(16)}${value}`);
  lines.push('History:', ...status.transitions.map((t) => `  ${formatTransition(t)}`));
  if (status.notes.length > 0) lines.push('Notes:', ...status.notes.map((note) => `  ${note}`));
  return lines.join('\n');
}

function otpLine(status: RefundStatus, now: number): string | undefined {
  if (status.otpDeadline === undefined) return undefined;
  const attempts = `${status.otpAttemptsLeft} attempt(s) left, ${status.wrongOtpAttempts} wrong; resent ${status.resendCount} time(s)`;
  if (status.phase !== RefundPhase.AWAITING_OTP) return attempts;
  return `waiting until ${status.otpDeadline} (${relative(Date.parse(status.otpDeadline) - now)}); ${attempts}`;
}

export function formatEkoAnswer(eko: EkoAnswerSummary): string {
  const codes = [
    eko.status !== undefined && `status ${eko.status}`,
    eko.httpStatus !== undefined && `HTTP ${eko.httpStatus}`,
    eko.txStatus !== undefined && `tx_status ${eko.txStatus}${eko.txStatusDesc ? ` ${eko.txStatusDesc}` : ''}`,
  ].filter(Boolean);
  return `"${eko.message}"${codes.length > 0 ? ` (${codes.join(', ')})` : ''} at ${eko.at}`;
}

export function formatAmounts(refund: RefundAmounts): string {
  const parts = [
    refund.refundedAmount && `refunded ${refund.refundedAmount}`,
    refund.amount && `amount ${refund.amount}`,
    refund.fee && `fee ${refund.fee}`,
    refund.balance && `balance ${refund.balance}`,
    refund.refundTid && `refund tid ${refund.refundTid}`,
  ].filter(Boolean);
  return parts.join(', ');
}

function formatActivity(activity: NonNullable<RefundStatus['pendingActivity']>): string {
  const parts = [`${activity.activityType}, attempt ${activity.attempt}`];
  if (activity.lastFailure) parts.push(`last failure: ${activity.lastFailure}`);
  if (activity.nextAttemptAt) parts.push(`next attempt at ${activity.nextAttemptAt}`);
  return parts.join('; ');
}

export function formatTransition(t: PhaseTransition): string {
  const move = t.from === null ? t.to : `${t.from} → ${t.to}`;
  return `${t.at}  ${move.padEnd(30)} ${t.reason}`;
}

const lastReason = (transitions: PhaseTransition[]): string => transitions.at(-1)?.reason ?? '';

export function formatOtpAnswer(tid: string, answer: SubmitOtpResponse): string {
  const line = `${answer.phase}: ${answer.message}`;
  if (answer.phase === RefundPhase.AWAITING_OTP) {
    return `${line} (${answer.otpAttemptsLeft} OTP attempt(s) left). Ask the customer for the OTP again and rerun ${CLI} otp ${tid}.`;
  }
  if (answer.phase === RefundPhase.SENDING_OTP) {
    return `${line}. A new OTP is on its way to the customer; then run ${CLI} otp ${tid}.`;
  }
  if (answer.phase === RefundPhase.PENDING) return `${line}. Eko is completing it; follow with ${CLI} watch ${tid}.`;
  return line;
}

export function formatResult(result: RefundResult): string {
  const lines = [`${result.outcome}: ${result.reason}`];
  if (result.refund) lines.push(`  ${formatAmounts(result.refund)}`);
  if (result.ekoCode !== undefined || result.ekoMessage) {
    lines.push(`  Eko: ${result.ekoMessage ?? ''}${result.ekoCode === undefined ? '' : ` (code ${result.ekoCode})`}`);
  }
  lines.push(`  completed at ${result.completedAt}`);
  return lines.join('\n');
}

export function formatList(rows: RefundSummary[]): string {
  if (rows.length === 0) return 'No refunds found.';
  const header = ['TID', 'PHASE', 'WORKFLOW STATUS', 'STARTED', 'CLOSED'];
  const table = rows.map((r) => [r.tid ?? r.workflowId, r.phase ?? '?', r.status, r.startedAt, r.closedAt ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(header), ...table.map(line)].join('\n');
}

/** "in 23h 59m", "in 45s", "2m ago". */
export function relative(ms: number): string {
  const abs = Math.abs(ms);
  const h = Math.floor(abs / 3_600_000);
  const m = Math.floor((abs % 3_600_000) / 60_000);
  const s = Math.floor((abs % 60_000) / 1000);
  const span = h > 0 ? `${h}h ${m}m` : m > 0 ? `${m}m ${s}s` : `${s}s`;
  return ms >= 0 ? `in ${span}` : `${span} ago`;
}

export const isTerminal = (status: RefundStatus): boolean => isOutcome(status.phase);
