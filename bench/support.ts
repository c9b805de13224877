import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase, runMigrations, startEmbeddedPostgres, type MigrationClass, type RunningPostgres } from '#platform';

export interface BenchServer {
  readonly adminUrl: string;
  database(name: string, migrations?: readonly MigrationClass[]): Promise<string>;
  close(): Promise<void>;
}

/** The Postgres a benchmark runs on: DATABASE_URL's server, or a fresh embedded one. */
export async function benchServer(): Promise<BenchServer> {
  let embedded: RunningPostgres | undefined;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: mkdtempSync(join(tmpdir(), 'arrears-bench-pg-')),
      persistent: false,
      // BENCH_PG_FLAGS="-c shared_preload_libraries=pg_stat_statements" instruments the server.
      ...(process.env.BENCH_PG_FLAGS ? { extraFlags: process.env.BENCH_PG_FLAGS.split(' ').filter(Boolean) } : {}),
      // BENCH_PG_LOG=1 shows the server's own log (crashes, checkpoints) on stderr.
      ...(process.env.BENCH_PG_LOG
        ? {
            log: (line: string) =>
              process.stderr.write(`[pg] ${line.trimEnd()}
`),
          }
        : {}),
    });
    adminUrl = embedded.url;
  }
  const run = Date.now().toString(36);
  return {
    adminUrl,
    async database(name, migrations) {
      const url = await createDatabase(adminUrl!, `bench_${name}_${run}`);
      if (migrations) await runMigrations(url, migrations);
      return url;
    },
    async close() {
      if (embedded) await embedded.stop();
    },
  };
}

export async function serverFacts(url: string): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync,
              current_setting('synchronous_commit') AS synchronous_commit, current_setting('shared_buffers') AS shared_buffers`,
    );
    return rows[0];
  } finally {
    await client.end();
  }
}

export function machine() {
  return {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** Runs `op` from `concurrency` workers until `total` operations are done; returns ops/s and latencies. */
export async function drive(total: number, concurrency: number, op: (i: number) => Promise<void>) {
  let next = 0;
  const latencies: number[] = [];
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t0 = process.hrtime.bigint();
        await op(i);
        latencies.push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor((p / 100) * latencies.length))];
  return { ops: total, seconds: round(seconds, 3), perSecond: Math.round(total / seconds), p50ms: round(pct(50), 2), p99ms: round(pct(99), 2) };
}

export function round(n: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

const RESULTS = join(process.cwd(), 'bench/results');

export function writeResult(name: string, result: unknown, markdown: string): void {
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(join(RESULTS, `${name}.json`), `${JSON.stringify(result, null, 2)}\n`);
  const summaryPath = join(RESULTS, 'README.md');
  let summary = '';
  try {
    summary = readFileSync(summaryPath, 'utf8');
  } catch {
    summary = '# Benchmark results\n\nWritten by `npm run bench`; each section is replaced when its scenario runs again.\n';
  }
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const section = `${start}\n${markdown.trim()}\n${end}`;
  const re = new RegExp(`${start}[\\s\\S]*?${end}`);
  summary = re.test(summary) ? summary.replace(re, section) : `${summary.trimEnd()}\n\n${section}\n`;
  writeFileSync(summaryPath, summary);
}

/**
 * Seeds `count` tally events (50 to a stream, streams `tally.tally-<prefix><n>`) straight into the
 * store, then analyzes it: a store that grew by appends has statistics (autovacuum), one filled by
 * a bulk insert a moment ago has none, and the planner would sort the whole table for each
 * filtered page. The hash column is not chained: these benchmarks read, they do not verify.
 */
export async function seedTallyEvents(db: { query(text: string, values?: unknown[]): Promise<unknown> }, prefix: string, count: number): Promise<void> {
  await db.query(
    `INSERT INTO es_events (stream_id, revision, event_id, type, schema_version, data, metadata, hash)
     SELECT 'tally.tally-' || $2 || (g / 50), g % 50, gen_random_uuid(), CASE WHEN g % 50 = 0 THEN 'TallyOpened' ELSE 'AmountAdded' END, 1,
            CASE WHEN g % 50 = 0 THEN jsonb_build_object('tallyId', $2 || (g / 50), 'limit', 1000000000)
                 ELSE jsonb_build_object('tallyId', $2 || (g / 50), 'amount', 1) END,
            '{"actor":{"id":"bench","role":"system"},"command":"Seed","occurredAt":"2026-11-29T00:00:00Z","correlationId":"seed","causationId":"seed"}'::jsonb,
            '\\x00'::bytea
       FROM generate_series(0, $1 - 1) AS g`,
    [count, prefix],
  );
  await db.query('ANALYZE es_events');
}
