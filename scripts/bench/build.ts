// The worker code as `npm run build` makes it, in a temporary directory so that dist/ is left alone.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const COMPILED_DIRS = ['src', path.join('scripts', 'bench'), 'tools'];

/**
 * src/ and the bench's worker transpiled to JavaScript, and the workflow code prebundled next to
 * the compiled worker by the project's own scripts/bundle-workflows.ts (createRefundWorker then
 * loads it instead of running webpack at start).
 */
export async function buildWorkerCode(): Promise<{ dir: string; remove(): void }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'eko-refund-bench-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  try {
    const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    for (const sourceDir of COMPILED_DIRS) {
      const files = fs.readdirSync(path.join(REPO_ROOT, sourceDir), { recursive: true, encoding: 'utf8' });
      for (const file of files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))) {
        const from = path.join(REPO_ROOT, sourceDir, file);
        const to = path.join(dir, sourceDir, file.replace(/\.ts$/, '.js'));
        const { outputText } = ts.transpileModule(fs.readFileSync(from, 'utf8'), { compilerOptions, fileName: from });
        fs.mkdirSync(path.dirname(to), { recursive: true });
        fs.writeFileSync(to, outputText);
      }
    }
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
    const bundler = ['-r', 'ts-node/register/transpile-only', 'scripts/bundle-workflows.ts', path.join(dir, 'src')];
    // Webpack on two cores takes a while.
    await promisify(execFile)(process.execPath, bundler, { cwd: REPO_ROOT, timeout: 180_000 }).catch((err) => {
      throw new Error(`scripts/bundle-workflows.ts failed: ${err.stderr || err.message}`);
    });
    return { dir, remove };
  } catch (err) {
    remove();
    throw err;
  }
}
