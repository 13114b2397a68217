// The baseline workflow: it does nothing, so how many of these complete per second is what the
// server, one worker and this machine allow at best. Workflow code: no Node built-ins, no I/O.

/** Start → complete in one workflow task. */
export async function emptyWorkflow(): Promise<string> {
  return 'done';
}

/**
 * A completed refund as the CSV export reads it, for the export measure: its search attributes
 * come with the start, its result at once (the real refund's shape, fields the export reads).
 */
export async function refundWorkflow(input: { tid: string }): Promise<unknown> {
  const at = new Date().toISOString();
  const refund = { amount: '5000.00', fee: '50.00', refundedAmount: '4950.00', refundTid: `9${input.tid}` };
  return {
    tid: input.tid,
    outcome: 'REFUNDED',
    reason: 'Eko: refund done',
    ekoMessage: 'Refund done',
    refund,
    completedAt: at,
    state: { tid: input.tid, phase: 'REFUNDED', refund, transitions: [{ to: 'REFUNDED', at, by: 'bench-support' }] },
  };
}
