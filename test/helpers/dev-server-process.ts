/**
 * The `temporal server start-dev` process itself, with its SQLite file, for tests that stop and
 * restart the server (TestWorkflowEnvironment cannot restart one).
 */
export { type DevServer as DevServerProcess, freePort } from '../../scripts/lib/processes';
import { type DevServer, startDevServer } from '../../scripts/lib/processes';

export function devServerProcess(dbFile: string): Promise<DevServer> {
  return startDevServer({ dbFile });
}
