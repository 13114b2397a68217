import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { temporalCli } from './temporal-cli';
import { waitFor } from './wait';

const { EventType } = temporal.api.enums.v1;

/** The last WorkflowTaskCompleted before the OTP (by update or signal) arrived: a point before SUBMITTING. */
async function beforeTheOtp(handle: WorkflowHandle): Promise<number> {
  const events = (await handle.fetchHistory()).events ?? [];
  const otpArrived = events.findIndex(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED ||
      e.eventType === EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
  );
  const completed = events
    .slice(0, otpArrived)
    .filter((e) => e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED)
    .at(-1);
  return Number(completed!.eventId);
}

/**
 * `temporal workflow reset` (`how`: where to) against the server at `address`, as an operator runs
 * it; returns once the reset run exists.
 */
export async function reset(address: string, handle: WorkflowHandle, ...how: string[]): Promise<void> {
  const before = (await handle.describe()).runId;
  await temporalCli(address, ['workflow', 'reset', '--workflow-id', handle.workflowId, ...how, '--reason', 'test']);
  await waitFor(
    'the reset run',
    () => handle.describe(),
    (d) => d.runId !== before,
  );
}

/** A reset to before the OTP, nothing reapplied: the reset run waits for an OTP. */
export async function resetToBeforeTheOtp(address: string, handle: WorkflowHandle): Promise<void> {
  await reset(address, handle, '--event-id', String(await beforeTheOtp(handle)), '--reapply-exclude', 'All');
}
