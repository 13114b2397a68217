// The child processes of the dev stack, the benchmark, the chaos run and the tests: the Temporal
// dev server and worker processes. One way to start one, to stop one, and to never leave one behind.
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import net from 'node:net';
import { RunError } from './resources';

const running = new Set<ChildProcess>();
// The last resort, should the caller die without its cleanup: 'exit' handlers cannot wait, so kill.
process.on('exit', () => running.forEach((child) => child.kill('SIGKILL')));

/**
 * Spawns a child in its own process group, so that Ctrl-C reaches only this process, which then
 * stops its children in order (the workers before the server). Killed if this process exits first.
 */
export function spawnChild(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, { ...options, detached: true });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export const hasExited = (child: ChildProcess) => child.exitCode !== null || child.signalCode !== null;

/** Asks with `signal` (SIGTERM), forces with SIGKILL after `graceMs`, and waits for the exit. */
export async function stopChild(
  child: ChildProcess,
  graceMs = 5_000,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (hasExited(child)) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill(signal);
  const forced = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(forced);
}

/** A loopback port nobody listens on now (another process may take it before the caller binds it). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(true));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(false)));
  });
}

/** Only what a child needs from this shell: none of its Temporal, Eko or key settings leak in. */
export function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(
    ['PATH', 'HOME', 'TMPDIR'].flatMap((name) => (process.env[name] ? [[name, process.env[name]!]] : [])),
  );
}

/** Whether something accepts connections on a loopback port (a connect: it never takes the port). */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

/**
 * Waits until `ready` says so, checking every 200 ms; fails if `child` exits first or after
 * `timeoutMs`, naming `what` and where its log is.
 */
export async function untilReady(
  what: string,
  ready: () => Promise<boolean>,
  { child, logFile, timeoutMs = 60_000 }: { child: ChildProcess; logFile: string; timeoutMs?: number },
): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await ready().catch(() => false))) {
    if (hasExited(child)) throw new RunError(`${what} exited at start; its log: ${logFile}`);
    if (Date.now() > until) throw new RunError(`${what} was not ready in ${timeoutMs / 1000} s; its log: ${logFile}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
