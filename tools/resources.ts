// What an entry script started, released the one same way whether it ends, fails or is stopped
// with Ctrl-C: the last started first (the worker before the connection before the server).

export class Resources {
  private readonly releases: { what: string; release: () => unknown }[] = [];
  private closing: Promise<void> | undefined;

  /** Registers how to release something just started. */
  add(what: string, release: () => unknown): void {
    this.releases.push({ what, release });
  }

  /** Releases everything once, the last added first; one failing does not stop the others. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const { what, release } of this.releases.reverse()) {
        try {
          await release();
        } catch (err) {
          console.error(`stopping ${what} failed:`, err);
        }
      }
    })();
    return this.closing;
  }
}

/** A failure its message explains (a bad flag, a port in use): printed without a stack trace. */
export class RunError extends Error {
  override readonly name = 'RunError';
}

export interface RunOptions {
  /** The exit code when the script fails (default 1). */
  failed?: number;
  /** The exit code after Ctrl-C or SIGTERM (default 130). */
  stopped?: number;
}

/**
 * Runs an entry script's `main` with its resources, then exits with the code `main` returns. On
 * Ctrl-C or SIGTERM the resources are released at once and the script exits with `stopped`; a
 * second Ctrl-C exits without waiting (the children are then killed).
 */
export function runMain(main: (resources: Resources) => Promise<number | void>, options: RunOptions = {}): void {
  const resources = new Resources();
  const stopCode = options.stopped ?? 130;
  let signalled = false;
  const stopped = new Promise<number>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      if (signalled) process.exit(stopCode);
      signalled = true;
      console.error(`\n${signal}: stopping…`);
      resolve(stopCode);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  void Promise.race([main(resources).then((code) => code ?? 0), stopped])
    .catch((err: unknown) => {
      console.error(err instanceof RunError ? err.message : err);
      return options.failed ?? 1;
    })
    .then(async (code) => {
      await resources.close();
      process.exit(code);
    });
}
