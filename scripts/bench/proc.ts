// What the processes of a benchmark run use, from Linux's /proc: memory, CPU seconds, and which
// child process is the Temporal dev server; and the worker's own view of its memory, over IPC.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { within } from '../../src/timeout';
import type { ProbeRequest, WorkerMemory } from './probe';

/** VmRSS and VmHWM (peak RSS) of a process, in MiB. */
export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

const CLOCK_TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used so far. */
function cpuSecondsOf(pid: number): number {
  if (pid === process.pid) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  return (
    statTicks(pid)
      .slice(0, 2)
      .reduce((a, b) => a + b, 0) / CLOCK_TICKS_PER_SECOND
  );
}

/** utime, stime, and the same of the children it has reaped (cutime, cstime), in clock ticks. */
function statTicks(pid: number): number[] {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; utime to cstime are fields 14 to 17.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields.slice(11, 15).map(Number);
}

/**
 * CPU seconds of a process and of its children, running or ended (PostgreSQL's backends: the
 * postmaster reaps them, so their time moves into its cutime and cstime).
 */
function treeCpuSeconds(pid: number): number {
  const children = fs
    .readdirSync(`/proc/${pid}/task`)
    .flatMap((task) => fs.readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').split(' '))
    .filter(Boolean)
    .map(Number);
  const ticks = [pid, ...children].flatMap((p) => {
    try {
      return [statTicks(p).reduce((a, b) => a + b, 0)];
    } catch {
      return []; // ended meanwhile: counted in the parent's cutime once reaped
    }
  });
  return ticks.reduce((a, b) => a + b, 0) / CLOCK_TICKS_PER_SECOND;
}

/** CPU seconds all processes on the machine have used so far (/proc/stat), to see other load. */
function machineCpuSeconds(): number {
  const [, ...jiffies] = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = jiffies;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS_PER_SECOND;
}

export interface CpuUsage {
  wallSeconds: number;
  /** CPU seconds per process of ours, and `other processes`: the rest of the machine. */
  cpu: Record<string, number>;
}

/**
 * CPU seconds each process used between the call and the returned function's call; `trees`:
 * processes counted with their children.
 */
export function cpuMeter(pids: Record<string, number>, trees: Record<string, number> = {}): () => CpuUsage {
  const read = (): Record<string, number> => ({
    ...Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSecondsOf(pid)])),
    ...Object.fromEntries(Object.entries(trees).map(([name, pid]) => [name, treeCpuSeconds(pid)])),
    machine: machineCpuSeconds(),
  });
  const before = read();
  const started = performance.now();
  return () => {
    const after = read();
    const names = [...Object.keys(pids), ...Object.keys(trees)];
    const cpu = Object.fromEntries(names.map((name) => [name, after[name] - before[name]]));
    const ours = Object.values(cpu).reduce((a, b) => a + b, 0);
    cpu['other processes'] = Math.max(0, after.machine - before.machine - ours);
    return { wallSeconds: (performance.now() - started) / 1000, cpu };
  };
}

/**
 * The pid of the dev server the SDK started for us on `port`: a child of this process (the SDK's
 * native runtime spawns it from one of its threads) whose command line has that port.
 */
export function devServerPid(port: number): number {
  const children = fs
    .readdirSync('/proc/self/task')
    .flatMap((task) => fs.readFileSync(`/proc/self/task/${task}/children`, 'utf8').split(' '))
    .filter(Boolean)
    .map(Number);
  const server = children.find((pid) => {
    const args = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.includes('start-dev') && args[args.indexOf('--port') + 1] === String(port);
  });
  if (server === undefined) throw new Error(`no dev server process on port ${port} among this process's children`);
  return server;
}

/** The worker process's memory as it sees it (scripts/bench/probe.ts), asked over IPC. */
export function probeOf(child: ChildProcess, request: Omit<ProbeRequest, 'type'> = {}): Promise<WorkerMemory> {
  const answer = new Promise<WorkerMemory>((resolve, reject) => {
    const onMessage = (message: { type?: string; memory?: WorkerMemory; error?: string }) => {
      if (message?.type !== 'probe') return;
      child.off('message', onMessage);
      if (message.error) reject(new Error(`the worker's memory probe failed: ${message.error}`));
      else resolve(message.memory!);
    };
    child.on('message', onMessage);
  });
  child.send({ type: 'probe', ...request });
  // A heap snapshot of a large heap takes a while.
  return within(answer, request.snapshotFile ? 600_000 : 60_000, "the worker's memory probe");
}
