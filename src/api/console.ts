/**
 * The support console: a small client app of plain JavaScript modules (src/api/console/), served
 * by this process with no build step and nothing from another origin. `npm run build` copies the
 * folder next to the compiled API.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CANCELLABLE_PHASES, RefundOutcome, RefundPhase } from '../contract';
import type { ZodApp } from './openapi';

export const CONSOLE_DIR = path.join(__dirname, 'console');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/** The files, read once: only these names are served, so no path reaches the file system. */
function loadFiles(dir: string): Map<string, { body: Buffer; type: string }> {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    const type = TYPES[path.extname(entry.name)];
    if (!entry.isFile() || !type) continue;
    const full = path.join(entry.parentPath, entry.name);
    files.set(path.relative(dir, full).split(path.sep).join('/'), { body: fs.readFileSync(full), type });
  }
  return files;
}

export function consoleRoutes(app: ZodApp, { timeZone, dir = CONSOLE_DIR }: { timeZone: string; dir?: string }): void {
  const files = loadFiles(dir);
  const index = files.get('index.html');
  if (!index) throw new Error(`the console is missing: no index.html in ${dir} (run npm run build)`);
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.type(index.type).send(index.body));
  // The contract's names, so the console keeps no copy of them.
  const contract = {
    phases: Object.values(RefundPhase),
    outcomes: Object.values(RefundOutcome),
    cancellablePhases: CANCELLABLE_PHASES,
    timeZone,
  };
  app.get('/console/contract.json', { schema: { hide: true } }, () => contract);
  app.get('/console/*', { schema: { hide: true } }, (request, reply) => {
    const file = files.get((request.params as { '*': string })['*']);
    if (!file) return reply.callNotFound();
    return reply.type(file.type).header('cache-control', 'no-cache').send(file.body);
  });
}
