// `npm run chaos [-- --refunds N ...]`: the money-safety chaos run. Starts the stack (Temporal dev
// server in memory, the Eko simulator, refund worker processes), runs N refunds of random
// scenarios with random Eko faults while an operator acts on the stack and on the refunds (SIGKILLs
// workers, cancels, resets, signals by hand), then checks every refund against Eko's books: applied
// at most once, no refund call once Eko applied it, an outcome that the plan and the operator's
// actions allow, terminal by the deadline, no failing workflow tasks, and its outcome's webhook
// signed at the subscriber (which refuses each event's first 5 attempts). stdout: a table, then one
// JSON line (the last); progress goes to stderr.
// Exit code 0: every check holds; 1: a violation; 2: the run could not be carried out; 130: Ctrl-C.
import { runChaos } from './chaos/run';
import { parseOptions } from './chaos/options';
import { startStack } from './chaos/stack';
import { type Resources, runMain } from '../tools/resources';

const EXIT_NOT_RUN = 2;

async function main(resources: Resources): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (!options) return 0; // --help
  console.error(`Chaos run, seed ${options.seed}: starting the Temporal dev server, the simulator and the workers…`);
  const stack = await startStack(options, resources);
  return runChaos(stack, options, resources);
}

runMain(main, { failed: EXIT_NOT_RUN });
