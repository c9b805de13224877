/**
 * End of day at scale: a portfolio of LOANS (default 1,000,000) loans advances business days, with
 * about 5% of the loans changing state each day. Seeding is bulk SQL (see seed.ts); the measured
 * part is the real end of day: the calendar close, the read-model fence, the set-based selection,
 * deciding on the folded states from the read model and the batched appends, and the completion.
 * The loans projection runs live in the same process the whole time (as in a single-process
 * deployment), and the time it needs to absorb the day's events is reported as well.
 */
import { loadavg } from 'node:os';
import { addDays, comparePositions, formatPosition, isDomainError, type BusinessDate } from '#kernel';
import { PostgresEventStore } from '#eventstore';
import { ProjectionRunner } from '#projections';
import { createPool, runCommand } from '#platform';
import { BusinessCalendar, CALENDAR_ID, CALENDAR_STREAM, EndOfDay, LOANS_PROJECTION, LoanCommandHandlers, loansProjection, type EndOfDayRun } from '#loans';
import { ALL_MIGRATIONS } from '../../apps/arrears/src/migrations.js';
import { benchServer, machine, round, serverFacts, writeResult } from '../support.js';
import { MIX, loansPerTemplate, seedPortfolio, templates } from './seed.js';

const LOANS = Number(process.env.BENCH_LOANS ?? 1_000_000);
const DAYS = Number(process.env.BENCH_EOD_DAYS ?? 2);
const BATCH = Number(process.env.BENCH_EOD_BATCH ?? 2000);
const PROJECTION_BATCH = Number(process.env.BENCH_PROJECTION_BATCH ?? 500);
const FIRST_DAY: BusinessDate = '2025-06-10';

const log = (m: string) => process.stdout.write(`${m}\n`);
const seconds = (ms: number) => round(ms / 1000, 2);

async function main() {
  const server = await benchServer();
  try {
    const url = await server.database('loans', ALL_MIGRATIONS);
    const pool = createPool(url, 20);
    const store = new PostgresEventStore(pool, { pollIntervalMs: 1000 });
    const runner = new ProjectionRunner(pool, store, [loansProjection], {
      batchSize: PROJECTION_BATCH,
      log: (level, message, fields) => (level === 'info' ? undefined : log(`  projection ${level}: ${message} ${JSON.stringify(fields ?? {})}`)),
    });
    await runner.install();

    log(`building templates for ${FIRST_DAY} + ${DAYS - 1} day(s)`);
    const list = templates(FIRST_DAY, DAYS);
    const counts = loansPerTemplate(list, LOANS);
    const expected = Array.from({ length: DAYS }, (_, d) => ({
      loansChanged: list.reduce((s, t) => s + (t.closes[d].length ? counts.get(t.id)! : 0), 0),
      events: list.reduce((s, t) => s + t.closes[d].length * counts.get(t.id)!, 0),
    }));
    log(`seeding ${LOANS} loans (${list.length} templates)`);
    let t0 = Date.now();
    const seededEvents = await seedPortfolio(pool, list, LOANS, log);
    const seedSeconds = seconds(Date.now() - t0);
    log(`seeded ${seededEvents} events and ${LOANS} read-model rows in ${seedSeconds} s`);

    const calendar = new BusinessCalendar(store);
    const handlers = new LoanCommandHandlers(store, calendar);
    const endOfDay = new EndOfDay(pool, store, calendar, handlers.repository, { batchSize: BATCH });
    // The seeding's writes settle before the clock starts.
    await pool.query('CHECKPOINT').catch(() => undefined);
    const operator = { actor: { id: 'bench-operator', role: 'service' as const }, receivedAt: new Date().toISOString(), source: 'bench' };
    const started = await runCommand(
      undefined,
      calendar.repository,
      CALENDAR_STREAM,
      { type: 'StartCalendar', data: { calendarId: CALENDAR_ID, openBusinessDate: FIRST_DAY } },
      {
        command: 'StartBusinessCalendar',
        actor: operator.actor,
        occurredAt: operator.receivedAt,
      },
    );
    if (isDomainError(started)) throw new Error(started.code);
    await runner.start();

    const days: Array<Record<string, unknown>> = [];
    for (let d = 0; d < DAYS; d++) {
      const date = addDays(FIRST_DAY, d);
      const load = loadavg().map((x) => round(x, 2));
      log(`closing ${date} (load average ${load.join(' ')})`);
      t0 = Date.now();
      const run = (await endOfDay.closeAndRun(date, operator)) as EndOfDayRun;
      if (isDomainError(run)) throw new Error(`close ${date}: ${run.code}`);
      const wallMs = Date.now() - t0;
      // The read model absorbs the day's events (the projection runs live all along).
      const { rows: newest } = await pool.query<{ c: string; p: string }>(
        `SELECT tx_id::text AS c, global_position::text AS p FROM es_events ORDER BY tx_id DESC, global_position DESC LIMIT 1`,
      );
      const readModel = await waitForProjection(pool, { commit: BigInt(newest[0].c), prepare: BigInt(newest[0].p) });
      const readModelMs = Date.now() - t0;
      // Counted in the store itself: every event the day's end of day appended, once.
      const { rows: stored } = await pool.query<{ events: number; streams: number }>(
        `SELECT count(*)::int AS events, count(DISTINCT stream_id)::int AS streams FROM es_events
          WHERE stream_id LIKE 'loans.loan-%' AND metadata->>'idempotencyKey' = $1`,
        [`eod:${date}`],
      );
      const ok =
        run.loansChanged === expected[d].loansChanged &&
        run.events === expected[d].events &&
        stored[0].events === expected[d].events &&
        stored[0].streams === expected[d].loansChanged &&
        run.duplicates === 0 &&
        run.errors === 0;
      const day = {
        businessDate: date,
        loans: LOANS,
        candidates: run.candidates,
        loansChanged: run.loansChanged,
        changedShare: round(run.loansChanged / LOANS, 4),
        events: run.events,
        conflicts: run.conflicts,
        expected: expected[d],
        inStore: stored[0],
        matchesDecider: ok,
        loadAverageAtStart: load,
        endOfDaySeconds: seconds(wallMs),
        phasesMs: run.timings,
        readModelCaughtUpSeconds: seconds(readModelMs),
        readModelPosition: readModel,
        eventsPerSecond: Math.round(run.events / (wallMs / 1000)),
      };
      log(`  ${JSON.stringify(day)}`);
      if (!ok) throw new Error(`${date}: the end of day does not match the decider: ${JSON.stringify({ run, expected: expected[d] })}`);
      days.push(day);
    }
    const aging = await pool.query<{ business_date: string; stage: string; loans: number; balance: number }>(
      `SELECT business_date::text, stage, loans, balance FROM rm_loan_aging WHERE business_date = $1 ORDER BY stage`,
      [FIRST_DAY],
    );
    await runner.stop();
    await store.close();
    await pool.end();

    const facts = await serverFacts(url);
    const result = {
      ranAt: new Date().toISOString(),
      machine: machine(),
      postgres: facts,
      portfolio: { loans: LOANS, mix: MIX, templates: list.length, seededEvents, seedSeconds },
      settings: { endOfDayBatch: BATCH, projectionBatch: PROJECTION_BATCH, pool: 20 },
      days,
      agingFirstDay: aging.rows,
    };
    writeResult('loans-eod', result, markdown(result));
    log(JSON.stringify(result, null, 2));
  } finally {
    await server.close();
  }
}

/** Waits until the loans projection's checkpoint reaches `head`. */
async function waitForProjection(pool: import('pg').Pool, head: { commit: bigint; prepare: bigint }): Promise<string> {
  for (;;) {
    const { rows } = await pool.query<{ commit_position: string; prepare_position: string }>(
      `SELECT c.commit_position::text, c.prepare_position::text FROM projections p
         JOIN projection_checkpoints c ON c.name = p.name AND c.generation = p.active_generation WHERE p.name = $1`,
      [LOANS_PROJECTION],
    );
    const at = { commit: BigInt(rows[0].commit_position), prepare: BigInt(rows[0].prepare_position) };
    if (comparePositions(at, head) >= 0) return formatPosition(at);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function markdown(r: any): string {
  const m = r.machine;
  const pg = r.postgres;
  const rows = r.days
    .map(
      (d: any) =>
        `| ${d.businessDate} | ${d.candidates.toLocaleString('en-US')} | ${d.loansChanged.toLocaleString('en-US')} (${(d.changedShare * 100).toFixed(1)}%) | ${d.events.toLocaleString('en-US')} | **${d.endOfDaySeconds} s** | ${Math.round(d.phasesMs.waitMs ?? 0)} / ${Math.round(d.phasesMs.selectMs ?? 0)} / ${Math.round(d.phasesMs.processMs ?? 0)} / ${Math.round(d.phasesMs.completeMs ?? 0)} | ${d.readModelCaughtUpSeconds} s |`,
    )
    .join('\n');
  return `## Loans: end of day over ${r.portfolio.loans.toLocaleString('en-US')} loans

Ran ${r.ranAt} on ${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, Postgres ${pg.version} (fsync ${pg.fsync}, synchronous_commit ${pg.synchronous_commit}, shared_buffers ${pg.shared_buffers}), embedded, default settings.
Portfolio seeded by bulk SQL (${r.portfolio.seededEvents.toLocaleString('en-US')} events copied from ${r.portfolio.templates} decider-built templates, ${r.portfolio.seedSeconds} s, not measured below).
End-of-day batch ${r.settings.endOfDayBatch} loans; the loans projection runs live in the same process (batch ${r.settings.projectionBatch}).

| business date | candidates selected | loans changed | events | end of day (close → completed) | phases ms: fence / select / decide+append / complete | read model caught up (from close) |
|---|---:|---:|---:|---:|---:|---:|
${rows}

Each day's loans changed and events equal what the decider predicts for the seeded templates, and the
store holds exactly that many events under the day's key (no duplicates, no errors). Load average when
each day started: ${r.days.map((d: any) => d.loadAverageAtStart.join(' ')).join('; ')} (the machine is shared).`;
}

await main();
