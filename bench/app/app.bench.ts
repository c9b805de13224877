/**
 * The running app under load, on the embedded Postgres, in one process with its projections:
 *   (2) HTTP command throughput and latency at concurrency 32, next to a bare Fastify route;
 *   (3) projection lag p50/p99 under a steady 1,000 commands/s;
 *   (4) projection rebuild rate from position 0;
 *   (7) resident memory at steady state.
 * The command is the minimal full path (auth, validation, decide, append, projection) of the
 * test-support tally context: one small event per command.
 */
import autocannon from 'autocannon';
import Fastify from 'fastify';
import { AggregateRepository } from '#eventstore';
import { ProjectionRunner, type Projection } from '#projections';
import { loadConfig, mintToken, runCommand } from '#platform';
import { buildApp, startRoles } from '../../apps/arrears/src/app.js';
import { ALL_MIGRATIONS } from '../../apps/arrears/src/migrations.js';
import { createRuntime } from '../../apps/arrears/src/runtime.js';
import { tallyContext, tallyDecider } from '../../test/support/tally/tally.js';
import { benchServer, machine, round, seedTallyEvents, serverFacts, writeResult } from '../support.js';

const TALLIES = 5_000;
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const REBUILD_EVENTS = Number(process.env.BENCH_REBUILD_EVENTS ?? 300_000);
const SECRET = 'bench-secret-of-at-least-thirty-two-chars';

function cannon(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => autocannon(opts, (err, result) => (err ? reject(err) : resolve(result))));
}

/** Records, for every event, when it was recorded and when the projection applied it. */
const lagProbe: Projection = {
  name: 'bench_lag_probe',
  version: 1,
  filter: { eventTypes: ['AmountAdded'] },
  tables: { rm_bench_lag: 'CREATE TABLE {table} (event_id uuid PRIMARY KEY, recorded_at timestamptz NOT NULL, applied_at timestamptz NOT NULL)' },
  async apply(ctx, events) {
    await ctx.query(
      `INSERT INTO ${ctx.table('rm_bench_lag')} (event_id, recorded_at, applied_at)
       SELECT id, rec, clock_timestamp() FROM unnest($1::uuid[], $2::timestamptz[]) AS t(id, rec) ON CONFLICT DO NOTHING`,
      [events.map((e) => e.eventId), events.map((e) => e.recordedAt)],
    );
  },
};

async function main() {
  const server = await benchServer();
  try {
    const url = await server.database('app');
    const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', PORT: '0', JWT_SECRET: SECRET, PROJECTION_POLL_MS: '200' });
    const context = { ...tallyContext, projections: [...tallyContext.projections, lagProbe] };
    const runtime = await createRuntime(config, { migrations: ALL_MIGRATIONS });
    const app = await buildApp(runtime, [context]);
    await startRoles(app, runtime);
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const token = await mintToken(
      { issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, secret: new TextEncoder().encode(SECRET) },
      { sub: 'bench', role: 'service' },
    );

    const repo = new AggregateRepository(runtime.store, tallyDecider);
    const ctx = { command: 'OpenTally', actor: { id: 'bench', role: 'system' as const }, occurredAt: '2026-11-29T00:00:00Z' };
    for (let i = 0; i < TALLIES; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) => runCommand(undefined, repo, `tally.tally-b${i + k}`, { type: 'Open', tallyId: `b${i + k}`, limit: 1e15 }, ctx)),
      );
    }
    const request = {
      method: 'POST' as const,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ amount: 1 }),
      setupRequest: (req: any) => ({ ...req, path: `/tallies/b${Math.floor(Math.random() * TALLIES)}/amounts` }),
    };

    // (2) throughput at concurrency 32, after a short warm-up.
    await cannon({ url: `http://127.0.0.1:${port}`, connections: 32, duration: 2, requests: [request] });
    const app32 = await cannon({ url: `http://127.0.0.1:${port}`, connections: 32, duration: DURATION, requests: [request] });

    const bare = Fastify();
    bare.post('/tallies/:id/amounts', async (_req, reply) => reply.status(202).send({ ok: true }));
    await bare.listen({ port: 0, host: '127.0.0.1' });
    const barePort = (bare.server.address() as { port: number }).port;
    await cannon({ url: `http://127.0.0.1:${barePort}`, connections: 32, duration: 2, requests: [request] });
    const bare32 = await cannon({ url: `http://127.0.0.1:${barePort}`, connections: 32, duration: DURATION, requests: [request] });
    await bare.close();

    // (3) projection lag under a steady 1,000 commands/s.
    await runtime.pool.query('TRUNCATE rm_bench_lag__g1');
    const steady = await cannon({ url: `http://127.0.0.1:${port}`, connections: 32, duration: DURATION, overallRate: 1_000, requests: [request] });
    await new Promise((r) => setTimeout(r, 2_000));
    const { rows: lag } = await runtime.pool.query<{ p50: number; p99: number; n: number }>(
      `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, count(*)::int AS n
         FROM (SELECT extract(epoch FROM applied_at - recorded_at) * 1000 AS ms FROM rm_bench_lag__g1) x`,
    );
    const rss = process.memoryUsage().rss;

    // (4) rebuild rate: seed events straight into the store, then rebuild the tally read model from 0.
    await seedTallyEvents(runtime.pool, 'r', REBUILD_EVENTS);
    const { rows: total } = await runtime.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM es_events WHERE type IN ('TallyOpened', 'AmountAdded')`);
    const runner = new ProjectionRunner(runtime.pool, runtime.store, [tallyContext.projections[0]], { rebuildBatchSize: 5_000 });
    const t0 = process.hrtime.bigint();
    const rebuilt = await runner.rebuild('tally_totals');
    const rebuildSeconds = Number(process.hrtime.bigint() - t0) / 1e9;

    await app.close();
    const facts = await serverFacts(url);
    await runtime.close();

    const result = {
      scenario: 'app',
      ranAt: new Date().toISOString(),
      machine: machine(),
      postgres: facts,
      command: 'POST /tallies/:id/amounts (auth, validation, decide, append; 5,000 streams)',
      http: {
        arrears: { rps: Math.round(app32.requests.average), p50ms: app32.latency.p50, p99ms: app32.latency.p99, non2xx: app32.non2xx, errors: app32.errors },
        bareFastify: { rps: Math.round(bare32.requests.average), p50ms: bare32.latency.p50, p99ms: bare32.latency.p99 },
        share: round(app32.requests.average / bare32.requests.average, 3),
      },
      projectionLag: {
        targetRate: 1_000,
        achievedRps: Math.round(steady.requests.average),
        events: lag[0].n,
        p50ms: round(Number(lag[0].p50), 1),
        p99ms: round(Number(lag[0].p99), 1),
        goalP99ms: 250,
      },
      rebuild: {
        events: rebuilt.events,
        storeEvents: total[0].n,
        seconds: round(rebuildSeconds, 2),
        eventsPerSecond: Math.round(rebuilt.events / rebuildSeconds),
        goal: 50_000,
      },
      memory: { rssMiB: Math.round(rss / 2 ** 20) },
    };
    writeResult(
      'app',
      result,
      `## The app under load (HTTP, projection lag, rebuild, memory)

Ran ${result.ranAt} on ${result.machine.cpus} × ${result.machine.cpuModel}, Node ${result.machine.node}, Postgres ${facts.version} (fsync ${facts.fsync}); app, projections and load generator in one process on ${result.machine.cpus} cores. Command: ${result.command}.

| measure | Arrears | reference | goal |
|---|---:|---:|---:|
| HTTP commands/s at concurrency 32 | ${result.http.arrears.rps} (p50 ${result.http.arrears.p50ms} ms, p99 ${result.http.arrears.p99ms} ms) | bare Fastify route: ${result.http.bareFastify.rps} (p99 ${result.http.bareFastify.p99ms} ms) | — |
| projection lag at ${result.projectionLag.achievedRps} commands/s | p50 ${result.projectionLag.p50ms} ms, p99 ${result.projectionLag.p99ms} ms | | p99 < 250 ms at 1,000/s |
| rebuild from position 0 (${result.rebuild.events} events) | ${result.rebuild.eventsPerSecond} events/s | | ≥ 50,000 events/s |
| resident memory after load | ${result.memory.rssMiB} MiB | | — |
`,
    );
    process.stdout.write(`${JSON.stringify(result, null, 1)}\n`);
  } finally {
    await server.close();
  }
}

await main();
