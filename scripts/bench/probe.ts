// What the worker process holds, seen from inside it: its RSS split into the main thread's V8 heap,
// the workflow thread's V8 heap (the SDK runs workflows in a worker thread, invisible to
// process.memoryUsage()) and the rest (native: the SDK's Rust core, glibc arenas, code). The
// workflow thread is reached through the inspector's NodeWorker domain, a public Node API; only
// the benchmark's worker asks, never production.
import fs from 'node:fs';
import inspector from 'node:inspector';
import v8 from 'node:v8';

export interface ThreadHeap {
  usedMb: number;
  totalMb: number;
  limitMb: number;
  /** V8 contexts alive in that isolate; detached: contexts no longer used but not yet collected. */
  nativeContexts: number;
  detachedContexts: number;
  externalMb: number;
}

export interface WorkerMemory {
  rssMb: number;
  peakRssMb: number;
  main: ThreadHeap;
  /** Undefined when no workflow thread was found (reuseV8Context false with debugMode, or not started). */
  workflowThreads: ThreadHeap[];
  /** Anonymous memory by kind, from /proc/self/smaps: glibc's arenas show as 64 MiB-aligned regions. */
  mallocArenas: number;
}

export interface ProbeRequest {
  type: 'probe';
  /** A full GC in every thread first: what is live, not what V8 has yet to collect. */
  gc?: boolean;
  /** Writes the workflow thread's heap snapshot to this file. */
  snapshotFile?: string;
}

const mb = (bytes: number) => Math.round((bytes / 2 ** 20) * 10) / 10;

function heapOf(stats: v8.HeapInfo): ThreadHeap {
  const s = stats as v8.HeapInfo & { number_of_native_contexts: number; number_of_detached_contexts: number };
  return {
    usedMb: mb(s.used_heap_size),
    totalMb: mb(s.total_heap_size),
    limitMb: mb(s.heap_size_limit),
    nativeContexts: s.number_of_native_contexts,
    detachedContexts: s.number_of_detached_contexts,
    externalMb: mb(s.external_memory),
  };
}

/** One inspector session, attached to every worker thread of this process. */
class ThreadInspector {
  private readonly session = new inspector.Session();
  private readonly threads = new Set<string>();
  private readonly pending = new Map<number, (message: { result?: unknown; error?: unknown }) => void>();
  private readonly chunks = new Map<string, string[]>();
  private nextId = 0;
  private ready: Promise<void> | undefined;

  private post<T>(method: string, params: object = {}): Promise<T> {
    return new Promise((resolve, reject) =>
      this.session.post(method, params, (err, result) => (err ? reject(err) : resolve(result as T))),
    );
  }

  attach(): Promise<void> {
    this.ready ??= (async () => {
      this.session.connect();
      this.session.on('NodeWorker.attachedToWorker', ({ params }) => this.threads.add(params.sessionId));
      this.session.on('NodeWorker.detachedFromWorker', ({ params }) => this.threads.delete(params.sessionId));
      this.session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
        const message = JSON.parse(params.message);
        if (message.method === 'HeapProfiler.addHeapSnapshotChunk') {
          this.chunks.get(params.sessionId)?.push(message.params.chunk);
        } else if (message.id !== undefined) {
          this.pending.get(message.id)?.(message);
          this.pending.delete(message.id);
        }
      });
      await this.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
      // The attach events of threads already running arrive right after enable.
      await new Promise((resolve) => setTimeout(resolve, 200));
    })();
    return this.ready;
  }

  sessions(): string[] {
    return [...this.threads];
  }

  async send<T>(sessionId: string, method: string, params: object = {}): Promise<T> {
    const id = (this.nextId += 1);
    const answer = new Promise<{ result?: unknown; error?: unknown }>((resolve) => this.pending.set(id, resolve));
    await this.post('NodeWorker.sendMessageToWorker', { sessionId, message: JSON.stringify({ id, method, params }) });
    const { result, error } = await answer;
    if (error) throw new Error(`${method} in a worker thread: ${JSON.stringify(error)}`);
    return result as T;
  }

  async evaluate<T>(sessionId: string, expression: string): Promise<T> {
    const { result } = await this.send<{ result: { value: string } }>(sessionId, 'Runtime.evaluate', {
      expression: `JSON.stringify(${expression})`,
      includeCommandLineAPI: true, // gives `require` in the thread's main context
    });
    return JSON.parse(result.value) as T;
  }

  async snapshot(sessionId: string, file: string): Promise<void> {
    this.chunks.set(sessionId, []);
    await this.send(sessionId, 'HeapProfiler.takeHeapSnapshot', { reportProgress: false });
    fs.writeFileSync(file, this.chunks.get(sessionId)!.join(''));
    this.chunks.delete(sessionId);
  }
}

const threads = new ThreadInspector();

/** glibc reserves each arena's heap as a 64 MiB-aligned mapping: counting those counts the arenas. */
function countMallocArenas(): number {
  const maps = fs.readFileSync('/proc/self/maps', 'utf8').split('\n');
  let arenas = 0;
  for (const line of maps) {
    const [range, perms, , , inode] = line.split(/\s+/);
    if (!range || inode !== '0' || !perms.startsWith('rw')) continue;
    const [start] = range.split('-').map((hex) => parseInt(hex, 16));
    if (start % (64 * 2 ** 20) === 0) arenas += 1;
  }
  return arenas;
}

function rss(): { rssMb: number; peakRssMb: number } {
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: mb(kb('VmRSS') * 1024), peakRssMb: mb(kb('VmHWM') * 1024) };
}

export async function probeMemory(request: ProbeRequest): Promise<WorkerMemory> {
  await threads.attach();
  const sessions = threads.sessions();
  if (request.gc) {
    for (const id of sessions) await threads.send(id, 'HeapProfiler.collectGarbage');
    (globalThis as { gc?: () => void }).gc?.();
  }
  if (request.snapshotFile && sessions[0]) await threads.snapshot(sessions[0], request.snapshotFile);
  const workflowThreads = await Promise.all(
    sessions.map(async (id) => heapOf(await threads.evaluate<v8.HeapInfo>(id, 'require("v8").getHeapStatistics()'))),
  );
  return { ...rss(), main: heapOf(v8.getHeapStatistics()), workflowThreads, mallocArenas: countMallocArenas() };
}
