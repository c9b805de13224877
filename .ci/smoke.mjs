// Smoke test of the built app on the Node.js that runs this script (.ci/run runs it on Node 22,
// the containers' runtime): start dist/ on the embedded default in a fresh data directory, wait
// for /health/ready, mint a token with the CLI, run one command and read its effect back through
// a projection, then stop the app with SIGTERM and expect a clean exit. Exits non-zero on any failure.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const DEADLINE_MS = 120_000;
const started = Date.now();
const left = () => DEADLINE_MS - (Date.now() - started);

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

let appExit;

async function until(what, check) {
  for (;;) {
    if (appExit) throw new Error(`the app exited while waiting for ${what}: ${JSON.stringify(appExit)}`);
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (left() <= 0) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const dataDir = mkdtempSync(join(tmpdir(), 'arrears-smoke-'));
// Under root the embedded Postgres runs as its own user, which must be able to enter the directory.
chmodSync(dataDir, 0o755);
const port = await freePort();
const env = {
  ...process.env,
  ARREARS_DATA_DIR: dataDir,
  VAULT_KEY_DIR: `${dataDir}.vault`,
  PORT: String(port),
  HOST: '127.0.0.1',
  LOG_LEVEL: 'warn',
  JWT_SECRET: 'smoke-test-secret-of-at-least-32-characters',
};
delete env.DATABASE_URL;
delete env.NODE_ENV;
const base = `http://127.0.0.1:${port}`;
console.log(`smoke: ${process.version} (${process.execPath}), data in ${dataDir}`);

const app = spawn(process.execPath, ['dist/apps/arrears/src/main.js'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const exited = new Promise((resolve) => app.on('exit', (code, signal) => resolve({ code, signal })));
void exited.then((e) => (appExit = e));

let failed = false;
try {
  await until('/health/ready', async () => {
    const res = await fetch(`${base}/health/ready`);
    return res.status === 200 ? true : undefined;
  });
  console.log(`smoke: ready after ${Date.now() - started} ms`);

  const token = execFileSync(process.execPath, ['dist/apps/arrears/src/cli.js', 'token', '--role', 'service', '--user', 'smoke'], { env, encoding: 'utf8' }).trim();
  const auth = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const command = await fetch(`${base}/loans/calendar`, { method: 'POST', headers: auth, body: JSON.stringify({ openBusinessDate: '2024-02-14' }) });
  const body = await command.json();
  if (command.status !== 201 || JSON.stringify(body.events) !== JSON.stringify(['BusinessCalendarStarted'])) {
    throw new Error(`POST /loans/calendar answered ${command.status} ${JSON.stringify(body)}`);
  }
  await until('the calendar read model', async () => {
    const res = await fetch(`${base}/loans/calendar`, { headers: auth });
    const view = await res.json();
    return res.status === 200 && view.openBusinessDate === '2024-02-14' ? true : undefined;
  });
  const refused = await fetch(`${base}/loans/calendar`, { method: 'POST', headers: auth, body: JSON.stringify({ openBusinessDate: '2024-03-01' }) });
  const problem = await refused.json();
  if (refused.status !== 409 || problem.code !== 'CALENDAR_ALREADY_STARTED' || !refused.headers.get('content-type')?.includes('application/problem+json')) {
    throw new Error(`a second start answered ${refused.status} ${JSON.stringify(problem)}`);
  }
  console.log('smoke: command stored, projected and its repeat refused');
} catch (err) {
  failed = true;
  console.error(`smoke FAILED: ${err?.message ?? err}`);
} finally {
  if (!appExit) app.kill('SIGTERM');
  const timer = setTimeout(() => app.kill('SIGKILL'), 20_000);
  const { code, signal } = await exited;
  clearTimeout(timer);
  if (!failed && (code !== 0 || signal)) {
    failed = true;
    console.error(`smoke FAILED: the app did not stop cleanly on SIGTERM (code ${code}, signal ${signal})`);
  }
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(`${dataDir}.vault`, { recursive: true, force: true });
}
console.log(`smoke: ${failed ? 'failed' : 'passed'} in ${Date.now() - started} ms`);
process.exit(failed ? 1 : 0);
