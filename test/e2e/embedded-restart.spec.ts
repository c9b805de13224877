import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, mintToken, runningServerOn } from '#platform';
import { cashLoan3m } from '#test-support/loans.js';
import { eventually } from '#test-support/app.js';

const MAIN = join(process.cwd(), 'dist/apps/arrears/src/main.js');
const SECRET = 'embedded-restart-secret-of-32-characters';

/**
 * The embedded default under SIGKILL: the app dies, its Postgres child lives on holding the data
 * directory. The next start on the same directory must stop that server, take over, and still have
 * every command it acknowledged.
 */
describe('the embedded default after the app is killed', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'arrears-restart-'));
  // Readable by the dedicated postgres user the server runs as under root.
  chmodSync(dataDir, 0o755);
  let port = 0;
  let app: ChildProcess | undefined;
  let token = '';
  afterAll(async () => {
    if (app && app.exitCode === null) {
      app.kill('SIGTERM');
      await once(app, 'exit');
    }
    const leftover = runningServerOn(join(dataDir, 'pg'));
    if (leftover) process.kill(leftover, 'SIGINT');
    await eventually(async () => (runningServerOn(join(dataDir, 'pg')) === null ? true : undefined), 30_000, 'the server to stop');
    rmSync(dataDir, { recursive: true, force: true });
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });

  /** Starts the built app on the data directory; `stderr` gives what it printed (both streams). */
  async function startApp(): Promise<{ stderr: () => string }> {
    const env: Record<string, string | undefined> = { ...process.env, ARREARS_DATA_DIR: dataDir, PORT: String(port), JWT_SECRET: SECRET, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.EVENTSTORE_URL;
    delete env.KAFKA_BROKERS;
    app = spawn(process.execPath, [MAIN], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    app.stdout!.on('data', (d: Buffer) => (stderr += d.toString()));
    app.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await eventually(
      async () => {
        if (app!.exitCode !== null) throw new Error(`the app exited with ${app!.exitCode}: ${stderr}`);
        try {
          return (await fetch(`http://127.0.0.1:${port}/health/ready`)).status === 200 ? true : undefined;
        } catch {
          return undefined;
        }
      },
      120_000,
      'the app to be ready',
    );
    return { stderr: () => stderr };
  }

  it('stops the server the killed app left running, takes over its data, and keeps every acknowledged command', async () => {
    port = await freePort();
    token = await mintToken({ issuer: 'arrears', audience: 'arrears', secret: new TextEncoder().encode(SECRET) }, { sub: 'core-banking', role: 'service' });
    await startApp();
    expect((await call('POST', '/loans/calendar', { openBusinessDate: '2025-01-20' })).status).toBe(201);

    const acknowledged: string[] = [];
    for (let round = 0; round < 2; round++) {
      // Registrations in flight when the app is killed: some acknowledged, some cut off.
      let n = 0;
      let stop = false;
      const load = Promise.all(
        Array.from({ length: 4 }, async () => {
          while (!stop) {
            const loanId = `KR-${round}-${n++}`;
            try {
              const res = await call('POST', '/loans/accounts', cashLoan3m(loanId, `KC-${loanId}`));
              if (res.status === 201) acknowledged.push(loanId);
            } catch {
              return; // the connection died with the app
            }
          }
        }),
      );
      await eventually(async () => (acknowledged.length >= 10 * (round + 1) ? true : undefined), 60_000, 'acknowledged registrations');
      const postgres = runningServerOn(join(dataDir, 'pg'));
      app!.kill('SIGKILL');
      await once(app!, 'exit');
      stop = true;
      await load;
      // The app is gone; its Postgres is not.
      expect(postgres).not.toBeNull();
      expect(runningServerOn(join(dataDir, 'pg'))).toBe(postgres);

      const { stderr } = await startApp();
      expect(stderr()).toMatch(new RegExp(`Postgres server \\(pid ${postgres}\\) is still running`));
      expect(runningServerOn(join(dataDir, 'pg'))).not.toBe(postgres);
      // Stored before it was acknowledged: in the store, and (once projected) in the read model.
      for (const loanId of acknowledged) {
        await eventually(async () => ((await call('GET', `/loans/accounts/${loanId}`)).status === 200 ? true : undefined), 30_000, `loan ${loanId}`);
      }
    }
  }, 300_000);
});
