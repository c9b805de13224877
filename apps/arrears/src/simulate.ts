/**
 * npm run simulate -- [--customers 300] [--days 90] [--seed 1] [--start 2026-01-05] [--port 3000] [--fresh] [--exit]
 *
 * Starts Arrears on the embedded default (a database under ARREARS_DATA_DIR/simulation, or
 * DATABASE_URL, which should then name an empty database), drives a synthetic portfolio through
 * its HTTP API day by day, prints the KPI report, and keeps serving so the result can be explored
 * (Ctrl-C stops it; --exit stops at once). An earlier portfolio in the data directory is kept:
 * the run stops and says how to reopen it, unless --fresh replaces it.
 */
import 'reflect-metadata';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { isBusinessDate } from '#kernel';
import { loadConfig, mintToken } from '#platform';
import { buildApp, startRoles } from './app.js';
import { CONTEXTS } from './contexts.js';
import { ALL_MIGRATIONS } from './migrations.js';
import { authSettings, createRuntime } from './runtime.js';
import { formatReport, kpiReport } from './simulation/report.js';
import { simulate, type SimApi, type SimPrincipal, type SimProgress } from './simulation/simulate.js';

const USAGE = `usage: npm run simulate -- [options]
  --customers <n>   customers in the synthetic portfolio, one loan each (default 300)
  --days <n>        business days to simulate (default 90)
  --seed <n>        the random seed: the same seed gives the same run (default 1)
  --start <date>    the first business date, YYYY-MM-DD (default 2026-01-05)
  --port <n>        the port Arrears serves on (default PORT, 3000; 0: any free port)
  --fresh           replace an earlier simulated portfolio in the data directory (kept otherwise)
  --exit            stop when the report is printed instead of serving the portfolio
  --help            this text`;

function positive(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`--${name} must be a whole number from 1 to ${max}\n${USAGE}`);
  return n;
}

function progressBar(p: SimProgress): string {
  const width = 30;
  const done = Math.round((p.day / p.days) * width);
  return `[${'#'.repeat(done)}${'.'.repeat(width - done)}] day ${p.day}/${p.days} ${p.businessDate}  payments ${p.payments}  calls ${p.contacts}  promises ${p.promises}  plans ${p.restructurings}`;
}

async function main(): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({
      args: process.argv.slice(2),
      strict: true,
      options: {
        customers: { type: 'string', default: '300' },
        days: { type: 'string', default: '90' },
        seed: { type: 'string', default: '1' },
        start: { type: 'string', default: '2026-01-05' },
        port: { type: 'string' },
        fresh: { type: 'boolean', default: false },
        exit: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  const { values } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (values.port !== undefined && !/^\d+$/.test(values.port)) throw new Error(`--port must be a port number\n${USAGE}`);
  const customers = positive('customers', values.customers!, 100_000);
  const days = positive('days', values.days!, 3_650);
  const seed = positive('seed', values.seed!, 2 ** 31);
  if (!isBusinessDate(values.start)) throw new Error(`--start must be a date (YYYY-MM-DD)\n${USAGE}`);

  const base = loadConfig(process.env);
  const dataDir = join(base.ARREARS_DATA_DIR, 'simulation');
  const reopen = `ARREARS_DATA_DIR=${dataDir} npm start`;
  if (!process.env.DATABASE_URL) {
    const earlier = existsSync(dataDir) && readdirSync(dataDir).length > 0;
    if (earlier && !values.fresh) {
      process.stderr.write(
        `An earlier simulated portfolio is kept in ${dataDir}.\n  Reopen it:   ${reopen}   (console at /console)\n  Replace it:  npm run simulate -- --fresh [options]\n`,
      );
      process.exit(2);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  // The simulation is this instance's only client, driving it as fast as it goes: read models poll
  // often and one principal may send far more than a person would.
  const config = loadConfig({
    LOG_LEVEL: 'warn',
    PROJECTION_POLL_MS: '50',
    RATE_LIMIT_MAX: '10000000',
    ...process.env,
    ...(values.port !== undefined ? { PORT: values.port } : {}),
    ARREARS_DATA_DIR: dataDir,
  });
  process.stderr.write(`Starting Arrears on ${process.env.DATABASE_URL ? 'DATABASE_URL' : `a fresh embedded Postgres in ${dataDir}`} ...\n`);
  const runtime = await createRuntime(config, { migrations: [...new Set([...ALL_MIGRATIONS, ...CONTEXTS.flatMap((c) => c.migrations)])] });
  const app = await buildApp(runtime, CONTEXTS);
  await startRoles(app, runtime);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  const baseUrl = `http://${config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST}:${port}`;

  const auth = authSettings(config);
  if (!('secret' in auth) || !auth.secret) throw new Error('the simulation mints its own tokens: unset JWKS_URL');
  const tokens = new Map<string, Promise<string>>();
  const tokenFor = (p: SimPrincipal) => {
    const key = `${p.role}:${p.user}:${p.team ?? ''}`;
    if (!tokens.has(key))
      tokens.set(key, mintToken({ issuer: auth.issuer, audience: auth.audience, secret: auth.secret! }, { sub: p.user, role: p.role, team: p.team }));
    return tokens.get(key)!;
  };
  const api: SimApi = async (as, method, path, body) => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${await tokenFor(as)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (res.status === 429) {
      await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after') ?? '1') * 1_000));
      return api(as, method, path, body);
    }
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const tty = process.stderr.isTTY;
  let lastTenth = -1;
  const started = Date.now();
  const result = await simulate(api, {
    customers,
    days,
    seed,
    start: values.start,
    onProgress: (p) => {
      if (tty) process.stderr.write(`\r${progressBar(p)}`);
      else if (Math.floor((p.day * 10) / p.days) !== lastTenth) {
        lastTenth = Math.floor((p.day * 10) / p.days);
        process.stderr.write(`${progressBar(p)}\n`);
      }
    },
  });
  if (tty) process.stderr.write('\n');
  const report = await kpiReport(api, result);
  const tokenHint = `ARREARS_DATA_DIR=${dataDir} npm run cli -- token --role risk_manager --user rm-1`;
  process.stdout.write(formatReport(result, report, baseUrl, tokenHint, process.env.DATABASE_URL ? 'DATABASE_URL=<the same database> npm start' : reopen));
  process.stdout.write(`Simulated in ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);

  const stop = async () => {
    await app.close();
    await runtime.close();
    process.exit(0);
  };
  if (values.exit) return stop();
  process.stdout.write(`Arrears keeps serving on ${baseUrl} with the simulated portfolio; Ctrl-C stops it.\n`);
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err) => {
  process.stderr.write(`\n${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
