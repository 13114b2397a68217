// The cluster's PostgreSQL: Debian's server binaries on a private data directory, listening on
// loopback only, with a generated password. Started as a child process the cluster owns, so that a
// chaos run can stop it and start it again; data survives both that and a restart of the cluster.
import { type ChildProcess, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { RunError } from '../../tools/resources';
import { listening, spawnChild, stopChild, untilReady } from '../../tools/children';
import { appendLog } from './logs';

/** Debian keeps each major version's programs here; the newest installed is taken. */
const DEBIAN_ROOT = '/usr/lib/postgresql';
const STOP_TIMEOUT_MS = 20_000;

export interface PostgresOptions {
  dataDir: string;
  port: number;
  user: string;
  password: string;
  logFile: string;
}

export class Postgres {
  private child: ChildProcess | undefined;
  private readonly bin = postgresBinDir();
  /** initdb and the server refuse to run as root: then they run as Debian's `postgres` user. */
  private readonly owner = process.getuid?.() === 0 ? debianPostgresUser() : undefined;

  constructor(private readonly options: PostgresOptions) {}

  get address(): string {
    return `127.0.0.1:${this.options.port}`;
  }

  /** The running process's id (PostgreSQL's: the postmaster's), for CPU figures. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Creates the data directory with the password on first use, then starts the server. */
  async start(): Promise<void> {
    if (!fs.existsSync(path.join(this.options.dataDir, 'PG_VERSION'))) this.init();
    const { dataDir, port, logFile } = this.options;
    // No Unix socket: connections come over loopback TCP with the password only.
    const args = ['-D', dataDir, '-p', String(port), '-h', '127.0.0.1', '-k', '', '-c', 'max_connections=200'];
    this.child = spawnChild(path.join(this.bin, 'postgres'), args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(this.owner && { uid: this.owner.uid, gid: this.owner.gid }),
    });
    appendLog(this.child, logFile);
    // Accepting connections: the port answers (the server opens it once recovery is done).
    await untilReady('PostgreSQL', () => listening(port), { child: this.child, logFile, timeoutMs: 30_000 });
  }

  /** A fast shutdown (SIGINT): open connections are cut, as when the database host goes away. */
  async stop(): Promise<void> {
    if (this.child) await stopChild(this.child, STOP_TIMEOUT_MS, 'SIGINT');
  }

  private init(): void {
    const { dataDir, user, password } = this.options;
    fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const pwFile = path.join(path.dirname(dataDir), '.pgpass-init');
    fs.writeFileSync(pwFile, password, { mode: 0o600 });
    if (this.owner) {
      fs.chownSync(dataDir, this.owner.uid, this.owner.gid);
      fs.chownSync(pwFile, this.owner.uid, this.owner.gid);
    }
    try {
      execFileSync(
        path.join(this.bin, 'initdb'),
        ['-D', dataDir, '-U', user, '--pwfile', pwFile, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8'],
        { stdio: ['ignore', 'ignore', 'pipe'], ...(this.owner && { uid: this.owner.uid, gid: this.owner.gid }) },
      );
    } finally {
      fs.rmSync(pwFile, { force: true });
    }
  }
}

function postgresBinDir(): string {
  const versions = fs.existsSync(DEBIAN_ROOT)
    ? fs
        .readdirSync(DEBIAN_ROOT)
        .filter((v) => fs.existsSync(path.join(DEBIAN_ROOT, v, 'bin', 'postgres')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length === 0) {
    throw new RunError('PostgreSQL is not installed: apt-get install postgresql (Debian), then run this again');
  }
  return path.join(DEBIAN_ROOT, versions[0], 'bin');
}

function debianPostgresUser(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new RunError('running as root needs the `postgres` user that Debian’s postgresql package creates');
  }
}
