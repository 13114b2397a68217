/**
 * Refunds as CSV rows for reconciliation against Eko's statements: the list's filters, every
 * page, and for each completed refund its result (amounts, Eko's refund tid, the last actor).
 */
import type { Client } from '@temporalio/client';
import { mapConcurrently } from './concurrency';
import type { RefundResult } from './contract';
import { checkFilter, listRefundPage, type RefundFilter, type RefundSummary } from './visibility';

export const EXPORT_COLUMNS = [
  'tid',
  'phase',
  'outcome',
  'amount',
  'fee',
  'refundedAmount',
  'ekoRefundTid',
  'startedAt',
  'endedAt',
  'requestedBy',
  'lastActor',
  'ekoMessage',
] as const;
export type ExportRow = Partial<Record<(typeof EXPORT_COLUMNS)[number], string>>;

/** Results read at once: each is one history read of the run's last event. */
const RESULT_READS = 16;
const PAGE_SIZE = 1000;

/** The rows of every refund that matches, newest first. The filter is checked before anything is read. */
export function exportRefunds(client: Client, filter: RefundFilter = {}): AsyncGenerator<ExportRow> {
  checkFilter(filter);
  return rows(client, filter);
}

async function* rows(client: Client, filter: RefundFilter): AsyncGenerator<ExportRow> {
  let pageToken: string | undefined;
  do {
    const page = await listRefundPage(client, { ...filter, pageSize: PAGE_SIZE, pageToken });
    yield* await mapConcurrently(page.refunds, RESULT_READS, async (refund) =>
      rowOf(refund, await resultOf(client, refund)),
    );
    pageToken = page.nextPageToken;
  } while (pageToken);
}

async function resultOf(client: Client, refund: RefundSummary): Promise<RefundResult | undefined> {
  if (refund.status !== 'COMPLETED') return undefined;
  return client.workflow.getHandle(refund.workflowId, refund.runId, { followRuns: false }).result();
}

function rowOf(refund: RefundSummary, result: RefundResult | undefined): ExportRow {
  const amounts = result?.refund ?? result?.state.refund;
  const lastActor = [...(result?.state.transitions ?? [])].reverse().find((transition) => transition.by)?.by;
  return {
    tid: refund.tid,
    phase: refund.phase,
    outcome: refund.outcome,
    amount: amounts?.amount ?? refund.amount,
    fee: amounts?.fee,
    refundedAmount: amounts?.refundedAmount,
    ekoRefundTid: amounts?.refundTid,
    startedAt: refund.startedAt,
    endedAt: refund.closedAt,
    requestedBy: refund.requestedBy,
    lastActor,
    ekoMessage: result?.ekoMessage ?? refund.lastEkoMessage,
  };
}

/** The CSV text: a header line, then one line a row (RFC 4180, CRLF). */
export async function* csvLines(source: AsyncIterable<ExportRow>): AsyncGenerator<string> {
  yield `${EXPORT_COLUMNS.join(',')}\r\n`;
  for await (const row of source) yield `${EXPORT_COLUMNS.map((column) => cell(row[column])).join(',')}\r\n`;
}

/**
 * One field: quoted when it holds a comma, quote or line break; text that a spreadsheet would run
 * as a formula (=, +, -, @ first) gets a leading apostrophe. Amounts stay numbers.
 */
function cell(value: string | undefined): string {
  if (value === undefined) return '';
  const safe = /^[=+\-@\t\r]/.test(value) && !/^-?\d+(\.\d+)?$/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}
