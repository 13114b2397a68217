// The baseline workflow: it does nothing, so how many of these complete per second is what the
// server, one worker and this machine allow at best. Workflow code: no Node built-ins, no I/O.

/** Start → complete in one workflow task. */
export async function emptyWorkflow(): Promise<string> {
  return 'done';
}
