import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';

/**
 * Prebundles the workflow code for the production worker (part of `npm run build`), so that
 * `npm start` does not run webpack at every start. Written next to the compiled worker.
 */
async function run(): Promise<void> {
  const outDir = path.resolve(__dirname, '..', process.argv[2] ?? 'dist');
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../src/workflows'),
    logger: {
      log: () => undefined,
      trace: () => undefined,
      debug: () => undefined,
      info: () => undefined,
      warn: console.warn,
      error: console.error,
    },
  });
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'workflow-bundle.js');
  fs.writeFileSync(file, code);
  console.log(`workflow bundle: ${path.relative(process.cwd(), file)} (${(code.length / 1024).toFixed(0)} KiB)`);
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
