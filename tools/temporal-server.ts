// The Temporal dev server for the dev stack, the benchmark, the chaos run and the tests: the SDK's
// TestWorkflowEnvironment from the project's binary, or, for a caller that must stop and restart
// the server (the server-restart test, chaos), the `temporal server start-dev` process itself.
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { type DevServerConfig, TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../src/contract';
import { freePort, hasExited, spawnChild, stopChild } from './children';
import { devServerExecutable, temporalCliPath } from './temporal-binaries';

// A fresh dev server knows none of them, and upserting an unregistered one fails the workflow task.
const REFUND_SEARCH_ATTRIBUTES = Object.values(SEARCH_ATTRIBUTES);
/** `temporal server start-dev --search-attribute Name=Type` spells the types so. */
const CLI_TYPE: Record<SearchAttributeType, string> = {
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
};

/**
 * At INFO the SDK logs each worker state change and a webpack report for every bundle, which
 * buries what matters. Must run before anything creates the SDK's runtime (callers that need
 * other runtime options install their own first).
 */
export function quietTemporalRuntime(): void {
  if (Runtime._instance === undefined) Runtime.install({ logger: new DefaultLogger('WARN') });
}

export type LocalServerOptions = Omit<DevServerConfig, 'type' | 'executable' | 'searchAttributes'>;

/** A Temporal dev server (in memory and headless unless asked) with the refund search attributes. */
export function startLocalServer(server: LocalServerOptions = {}): Promise<TestWorkflowEnvironment> {
  quietTemporalRuntime();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: devServerExecutable(),
      searchAttributes: REFUND_SEARCH_ATTRIBUTES,
      log: { format: 'pretty', level: 'error' },
      ...server,
    },
  });
}

export interface DevServerProcess {
  address: string;
  /** The server process's id (while it runs). */
  pid(): number | undefined;
  stop(): Promise<void>;
  /** Starts it again on the same port (and SQLite file) after `stop`. */
  start(): Promise<void>;
}

/** `temporal server start-dev` as a process of ours, headless, on free loopback ports. */
export async function startDevServerProcess(
  options: {
    /** SQLite file that keeps the server's data across a stop and start; in memory otherwise. */
    dbFile?: string;
    /** Where the server's output goes; only its first lines are kept (for errors) otherwise. */
    logFile?: string;
  } = {},
): Promise<DevServerProcess> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const address = `127.0.0.1:${port}`;
  const args = [
    ['server', 'start-dev', '--headless', '--ip', '127.0.0.1'],
    ['--port', String(port), '--http-port', String(httpPort), '--metrics-port', String(metricsPort)],
    options.dbFile ? ['--db-filename', options.dbFile] : [],
    REFUND_SEARCH_ATTRIBUTES.flatMap(({ name, type }) => ['--search-attribute', `${name}=${CLI_TYPE[type]}`]),
    ['--log-level', 'warn'],
  ].flat();
  let child: ChildProcess | undefined;
  let head = '';

  const server: DevServerProcess = {
    address,
    pid: () => (child && !hasExited(child) ? child.pid : undefined),
    async start() {
      const log = options.logFile ? fs.openSync(options.logFile, 'a') : 'pipe';
      child = spawnChild(temporalCliPath(), args, { stdio: ['ignore', log, log] });
      if (typeof log === 'number') fs.closeSync(log);
      // The first lines say why it failed (a Go panic's trace follows them).
      child.stderr?.on('data', (chunk: Buffer) => (head = (head + chunk.toString()).slice(0, 2_000)));
      child.stdout?.resume();
      try {
        await untilServing(child, address, () => options.logFile ?? head);
      } catch (err) {
        await server.stop();
        throw err;
      }
    },
    async stop() {
      if (child) await stopChild(child);
    },
  };
  await server.start();
  return server;
}

async function untilServing(child: ChildProcess, address: string, output: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  const exited = () => new Error(`the Temporal dev server exited (${child.exitCode}): ${output()}`);
  for (;;) {
    if (hasExited(child)) throw exited();
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        // Another process may hold the port (a restart races for it): only our own server counts.
        if (hasExited(child)) throw exited();
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`the Temporal dev server at ${address} did not start: ${err}`);
      await sleep(250);
    }
  }
}
