// What operators do to one refund with Temporal's own tools (the Web UI's buttons, the `temporal`
// CLI, a client): cancel it, reset it to an earlier workflow task, signal it by hand. Each picks a
// random refund that is running (a reset also one that ended) and says whether it acted.
import { temporal } from '@temporalio/proto';
import { RefundPhase, workflowIdFor } from '../../src/contract';
import { within } from '../../src/timeout';
import { type ChaosContext, injectFaults, noteError } from './context';
import { refundInput } from './drive';
import { follow } from './follow';
import type { Random } from './random';
import type { ChaosRefund } from './refund';
import type { RefundStatus } from '../../src/client';

const { EventType } = temporal.api.enums.v1;
const CALL_TIMEOUT_MS = 10_000;

/** A Temporal cancel request: honoured before SUBMITTING (CANCELLED, with a result), noted after it. */
export async function temporalCancel(
  ctx: ChaosContext,
  random: Random,
  via: 'cli' | 'client',
  refund = pickRunning(ctx, random),
): Promise<boolean> {
  if (!refund) return false;
  const workflowId = workflowIdFor(refund.tid);
  const phase = await phaseOf(ctx, refund);
  // Before the call: its answer may be lost after the server took it.
  refund.cancelRequested = true;
  try {
    if (via === 'cli') await ctx.cli(['workflow', 'cancel', '--workflow-id', workflowId]);
    else await within(ctx.client.workflow.getHandle(workflowId).cancel(), CALL_TIMEOUT_MS, 'cancel');
  } catch (err) {
    noteError(ctx, `operator: Temporal cancel (${via})`, err); // it may have ended meanwhile
    return false;
  }
  refund.noteAction(`Temporal cancel by ${via === 'cli' ? 'temporal workflow cancel' : 'handle.cancel()'} in ${phase}`);
  ctx.tally.cancelsByPhase.set(phase, (ctx.tally.cancelsByPhase.get(phase) ?? 0) + 1);
  return true;
}

/**
 * `temporal workflow reset` to a random WorkflowTaskCompleted of the refund's newest run, signals
 * and updates after it reapplied (the CLI's default). A refund that had ended is running again.
 */
export async function resetToEarlierTask(ctx: ChaosContext, random: Random): Promise<boolean> {
  const candidates = ctx.all.filter((r) => r.started && r.phaseAtDeadline === undefined);
  if (candidates.length === 0) return false;
  const refund = random.pick(candidates);
  const workflowId = workflowIdFor(refund.tid);
  const { runId, status } = await within(
    ctx.client.workflow.getHandle(workflowId).describe(),
    CALL_TIMEOUT_MS,
    'describe',
  );
  const history = await within(
    ctx.client.workflow.getHandle(workflowId, runId).fetchHistory(),
    CALL_TIMEOUT_MS,
    'history',
  );
  const tasks = (history.events ?? []).filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  if (tasks.length === 0) return false;
  const index = random.int(0, tasks.length - 1);
  const eventId = String(tasks[index].eventId);
  try {
    await ctx.cli([
      'workflow',
      'reset',
      '--workflow-id',
      workflowId,
      '--run-id',
      runId,
      '--event-id',
      eventId,
      '--reason',
      'chaos: an operator resets the refund to an earlier workflow task',
    ]);
  } catch (err) {
    noteError(ctx, 'operator: reset', err);
  }
  // The CLI's answer may be lost after the server reset it: the newest run says whether it did.
  const newest = await within(ctx.client.workflow.getHandle(workflowId).describe(), CALL_TIMEOUT_MS, 'describe');
  if (newest.runId === runId) return false;
  refund.noteReset();
  refund.noteAction(
    `reset to workflow task ${index + 1} of ${tasks.length} (event ${eventId}) of a ${status.name} run`,
  );
  if (refund.driven) follow(ctx, refund);
  return true;
}

/**
 * `temporal workflow terminate`, then a new start of the tid, as an operator reconciles a refund by
 * hand; preferably while the refund call is under way (Eko may be applying it). The new run must
 * count the old run's call.
 */
export async function terminateThenStart(ctx: ChaosContext, random: Random): Promise<boolean> {
  const refund = await pickPreferring(ctx, random, (state) => state.phase === RefundPhase.SUBMITTING);
  if (!refund) return false;
  const phase = await phaseOf(ctx, refund);
  try {
    await ctx.cli([
      'workflow',
      'terminate',
      '--workflow-id',
      workflowIdFor(refund.tid),
      '--reason',
      'chaos: terminated by hand',
    ]);
  } catch (err) {
    noteError(ctx, 'operator: terminate', err); // it may have ended meanwhile
    return false;
  }
  refund.restarting = true;
  try {
    await within(ctx.refunds.start(refundInput(refund.plan)), CALL_TIMEOUT_MS, 'start');
  } catch (err) {
    noteError(ctx, 'operator: start after a terminate', err);
  } finally {
    refund.restarting = false;
  }
  refund.noteReset();
  refund.noteAction(`terminated in ${phase}, then started again`);
  if (refund.driven) follow(ctx, refund);
  return true;
}

/**
 * `temporal activity reset --clear-heartbeat-details` on the activity the refund has in flight
 * (preferably the refund call): its attempts start again at 1 with no record.
 */
export async function resetActivity(ctx: ChaosContext, random: Random): Promise<boolean> {
  const refund = await pickPreferring(ctx, random, (state) => state.pendingActivity?.activityType === 'submitRefund');
  if (!refund) return false;
  const workflowId = workflowIdFor(refund.tid);
  const { raw } = await within(ctx.client.workflow.getHandle(workflowId).describe(), CALL_TIMEOUT_MS, 'describe');
  const pending = raw.pendingActivities?.[0];
  if (!pending?.activityId) return false;
  try {
    await ctx.cli([
      'activity',
      'reset',
      '--workflow-id',
      workflowId,
      '--activity-id',
      pending.activityId,
      '--clear-heartbeat-details',
    ]);
  } catch (err) {
    noteError(ctx, 'operator: activity reset', err);
    return false;
  }
  refund.noteAction(`activity reset of ${pending.activityType?.name} (attempt ${pending.attempt})`);
  return true;
}

/** A Temporal cancel while Eko does not answer inquiries for a while: the cancel must wait for an answer. */
export async function cancelWhileEkoSilent(ctx: ChaosContext, random: Random): Promise<boolean> {
  const refund = pickRunning(ctx, random);
  if (!refund) return false;
  const silent = random.pick(['http500', 'hang', 'reset'] as const);
  injectFaults(ctx, [{ type: silent, endpoint: 'inquiry', tid: refund.tid, times: random.int(1, 4) }]);
  refund.noteAction(`Eko's inquiries ${silent}`);
  return temporalCancel(ctx, random, 'cli', refund);
}

/** What the workflow must drop (and note) without failing a workflow task: none of these is an OTP submission. */
const MALFORMED_OTP_INPUTS = ['{"otp":"12ab56"}', '{"otp":"12"}', '{"otp":123456}', '{}', '"123456"', 'null'];

/** `temporal workflow signal --name otp` with a malformed input, as a slip in the Web UI's signal form. */
export async function malformedOtpSignal(ctx: ChaosContext, random: Random): Promise<boolean> {
  const input = random.pick(MALFORMED_OTP_INPUTS);
  return (
    (await signalByHand(ctx, random, ['--name', 'otp', '--input', input], `malformed otp signal ${input}`)) !==
    undefined
  );
}

/** `temporal workflow signal --name resendOtp` with no input: Eko texts a new OTP if the refund waits for one. */
export async function resendOtpSignal(ctx: ChaosContext, random: Random): Promise<boolean> {
  const refund = await signalByHand(ctx, random, ['--name', 'resendOtp'], 'resendOtp signal with no input');
  if (refund) refund.otpsMadeStale += 1;
  return refund !== undefined;
}

/** Signals a running refund with the `temporal` CLI; the refund it signalled, if any. */
async function signalByHand(
  ctx: ChaosContext,
  random: Random,
  args: string[],
  what: string,
): Promise<ChaosRefund | undefined> {
  const refund = pickRunning(ctx, random);
  if (!refund) return undefined;
  const phase = await phaseOf(ctx, refund);
  try {
    await ctx.cli(['workflow', 'signal', '--workflow-id', workflowIdFor(refund.tid), ...args]);
  } catch (err) {
    noteError(ctx, `operator: ${what}`, err);
    return undefined;
  }
  refund.noteAction(`${what} in ${phase}`);
  return refund;
}

function pickRunning(ctx: ChaosContext, random: Random): ChaosRefund | undefined {
  const running = ctx.all.filter((r) => r.running && !r.restarting);
  return running.length === 0 ? undefined : random.pick(running);
}

/** A running refund, the first of a few random ones whose state `prefer` accepts, or the first. */
async function pickPreferring(
  ctx: ChaosContext,
  random: Random,
  prefer: (state: RefundStatus) => boolean,
): Promise<ChaosRefund | undefined> {
  const candidates = [pickRunning(ctx, random), pickRunning(ctx, random), pickRunning(ctx, random)].filter(
    (r): r is ChaosRefund => r !== undefined,
  );
  for (const refund of candidates) {
    const state = await within(ctx.refunds.getState(refund.tid), 5_000, 'state').catch(() => undefined);
    if (state && prefer(state)) return refund;
  }
  return candidates[0];
}

/** Where the refund stood just before the action (for the report; unknown while no worker answers). */
async function phaseOf(ctx: ChaosContext, refund: ChaosRefund): Promise<string> {
  return within(ctx.refunds.getState(refund.tid), 5_000, 'state read').then(
    (state) => state.phase,
    () => 'an unknown phase',
  );
}
