/**
 * Grading at scale: a portfolio of CUSTOMERS (default 100,000) customers, each with a reported
 * profile and a loan (about 12% past due, 1-150 days), is regraded after a policy activation.
 *
 * Seeding writes the customers' and the loans' events through the store's batched append (what
 * core banking and the Loans context would have appended), then the app starts with the Grading
 * context and its projections absorb them (timed, reported, not the target). The measured part is
 * the real path over HTTP: a policy is proposed, approved by another risk manager, activated, and
 * the portfolio run it starts regrades every customer in batches; the clock stops when the run
 * reports completion (every CustomerGraded appended), and the time until the customers read model
 * shows every grade is reported too. Two activations are measured: the first policy (nobody graded
 * yet) and a second one superseding it (every customer regraded under the new version).
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import type { NewEvent } from '#kernel';
import type { EventStore } from '#eventstore';
import { gradingContext } from '#grading';
import { DEFAULT_PRODUCT_SETTINGS } from '#loans';
import { loadConfig, mintToken } from '#platform';
import { buildApp, startRoles } from '../../apps/arrears/src/app.js';
import { ALL_MIGRATIONS } from '../../apps/arrears/src/migrations.js';
import { createRuntime } from '../../apps/arrears/src/runtime.js';
import { benchServer, machine, round, serverFacts, writeResult } from '../support.js';

const CUSTOMERS = Number(process.env.BENCH_CUSTOMERS ?? 100_000);
const SEED_BATCH = 1_000;
const SECRET = 'bench-secret-of-at-least-thirty-two-chars';
const TODAY = '2026-03-02';
const TARGET_SECONDS = 30;

const log = (m: string) => process.stdout.write(`${m}\n`);
const seconds = (ms: number) => round(ms / 1000, 2);

/** A deterministic pseudo-random number in [0, 1) for customer n and a salt. */
function rand(n: number, salt: number): number {
  let x = (n * 2654435761 + salt * 40503) >>> 0;
  x ^= x >>> 16;
  x = Math.imul(x, 2246822507) >>> 0;
  x ^= x >>> 13;
  return (x >>> 0) / 4294967296;
}

const id = (prefix: string, n: number) => `${prefix}${String(n).padStart(7, '0')}`;
const addDays = (d: string, days: number) => new Date(Date.parse(`${d}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);

function event(type: string, data: unknown, command: string, occurredAt: string): NewEvent {
  const eventId = randomUUID();
  return {
    eventId,
    type,
    schemaVersion: 1,
    data,
    metadata: { correlationId: eventId, causationId: eventId, actor: { id: 'bench-seed', role: 'service' }, command, occurredAt },
  };
}

/** The events of customer n: a profile, a loan, for some a delinquency. */
function customerStreams(n: number): Array<{ streamId: string; events: NewEvent[] }> {
  const customerId = id('C', n);
  const loanId = id('L', n);
  const disbursed = addDays(TODAY, -Math.floor(30 + rand(n, 1) * 700));
  const income = 500_000 + Math.floor(rand(n, 2) * 2_000_000);
  const profile = {
    customerId,
    facts: {
      bureauScore: rand(n, 3) < 0.05 ? null : 420 + Math.floor(rand(n, 4) * 420),
      monthlyIncome: income,
      monthlyObligations: Math.floor(income * rand(n, 5) * 0.9),
      flags: { activeDispute: rand(n, 6) < 0.01, deceased: rand(n, 7) < 0.002, suspectedFraud: rand(n, 8) < 0.003 },
    },
    changed: ['bureauScore', 'monthlyIncome', 'monthlyObligations'],
    source: 'core-banking',
    asOf: addDays(TODAY, -1),
  };
  const schedule = Array.from({ length: 12 }, (_, i) => ({ seq: i + 1, dueDate: addDays(disbursed, 30 * (i + 1)), principal: 50_000, interest: 3_000 }));
  const loanEvents = [
    event(
      'LoanRegistered',
      {
        loanId,
        customerId,
        productCode: 'CASH-12M',
        principal: 600_000,
        annualRateBps: 1500,
        termMonths: 12,
        disbursementDate: disbursed,
        timeZone: 'Asia/Shanghai',
        schedule,
        product: DEFAULT_PRODUCT_SETTINGS,
        registeredOn: disbursed,
      },
      'RegisterLoan',
      disbursed,
    ),
  ];
  if (rand(n, 9) < 0.12) {
    const dpd = 1 + Math.floor(rand(n, 10) * 150);
    const asOf = addDays(TODAY, -1);
    loanEvents.push(
      event('LoanBecameDelinquent', { dpd, stage: 'M1', overdueAmount: 53_000, oldestUnpaidDueDate: addDays(asOf, -dpd), asOf }, 'CloseBusinessDay', asOf),
    );
  }
  return [
    { streamId: `grading.customer-${customerId}`, events: [event('CustomerProfileUpdated', profile, 'UpdateCustomerProfile', profile.asOf)] },
    { streamId: `loans.loan-${loanId}`, events: loanEvents },
  ];
}

async function seed(store: EventStore): Promise<number> {
  if (!store.appendMany) throw new Error('the bench seeds through the batched append of the Postgres store');
  let events = 0;
  for (let from = 1; from <= CUSTOMERS; from += SEED_BATCH / 2) {
    const items = [];
    for (let n = from; n < Math.min(from + SEED_BATCH / 2, CUSTOMERS + 1); n++) items.push(...customerStreams(n));
    const outcomes = await store.appendMany(items.map((i) => ({ ...i, expected: 'no_stream' as const })));
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
    events += items.reduce((s, i) => s + i.events.length, 0);
  }
  return events;
}

async function main() {
  const server = await benchServer();
  try {
    const url = await server.database('grading');
    const config = loadConfig({ DATABASE_URL: url, LOG_LEVEL: 'silent', PORT: '0', JWT_SECRET: SECRET, PROJECTION_POLL_MS: '200' });
    const runtime = await createRuntime(config, { migrations: ALL_MIGRATIONS });
    const pool = runtime.pool;

    log(`seeding ${CUSTOMERS} customers (a profile and a loan each)`);
    let t0 = Date.now();
    const seeded = await seed(runtime.store);
    const seedSeconds = seconds(Date.now() - t0);
    log(`seeded ${seeded} events in ${seedSeconds} s`);

    const app = await buildApp(runtime, [gradingContext]);
    t0 = Date.now();
    await startRoles(app, runtime);
    const count = async (sql: string) => Number((await pool.query(sql)).rows[0].n);
    const waitFor = async (what: string, check: () => Promise<boolean>, timeoutMs = 900_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!(await check())) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    await waitFor(
      'catch-up',
      async () =>
        (await count(`SELECT count(*) AS n FROM rm_grading_loan_classes`)) === CUSTOMERS &&
        (await count(`SELECT count(*) AS n FROM rm_grading_customers`)) === CUSTOMERS,
    );
    const catchUpSeconds = seconds(Date.now() - t0);
    log(`projections caught up (loan records, ${CUSTOMERS} first classifications) in ${catchUpSeconds} s`);

    const address = app.getHttpServer().address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const tokenFor = (sub: string) =>
      mintToken({ issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, secret: new TextEncoder().encode(SECRET) }, { sub, role: 'risk_manager' });
    const [alice, bob] = await Promise.all([tokenFor('rm-alice'), tokenFor('rm-bob')]);
    const call = async (token: string, method: string, path: string, body?: unknown): Promise<any> => {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const json: any = await res.json();
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      return json;
    };

    const template = (await call(alice, 'GET', '/grading/policies/template')).document;
    const policies = [
      { policyId: 'bench-v1', document: template },
      { policyId: 'bench-v2', document: { ...template, thresholds: { A: 660, B: 590, C: 510, D: 410 } } },
    ];
    const runs: Array<Record<string, unknown>> = [];
    for (const [i, p] of policies.entries()) {
      await call(alice, 'POST', '/grading/policies', { ...p, reason: 'bench', on: TODAY });
      let previewMs: number | null = null;
      if (i === 1) {
        const p0 = Date.now();
        const preview = await call(bob, 'GET', `/grading/policies/${p.policyId}/preview?asOf=${TODAY}`);
        previewMs = Date.now() - p0;
        log(`preview of ${p.policyId} over ${preview.customers} customers in ${seconds(previewMs)} s (${preview.downgraded} down, ${preview.upgraded} up)`);
      }
      await call(bob, 'POST', `/grading/policies/${p.policyId}/approve`, { version: 1 });
      const loadBefore = round(loadavg()[0], 1);
      const started = Date.now();
      await call(bob, 'POST', `/grading/policies/${p.policyId}/activate`, { effectiveFrom: TODAY, businessDate: TODAY });
      const runId = `regrade-${p.policyId}-v1`;
      let run: any = null;
      await waitFor(`run ${runId}`, async () => {
        const rows = (await pool.query(`SELECT * FROM rm_grading_runs WHERE run_id = $1`, [runId])).rows;
        run = rows[0];
        return run?.status === 'completed';
      });
      const runMs = Date.now() - started;
      const loadAfter = round(loadavg()[0], 1);
      await waitFor(
        'customers read model',
        async () => (await count(`SELECT count(*) AS n FROM rm_grading_customers WHERE policy_id = '${p.policyId}'`)) === CUSTOMERS,
      );
      const readModelMs = Date.now() - started;
      const grades = Object.fromEntries(
        (await pool.query(`SELECT grade, count(*)::int AS n FROM rm_grading_customers GROUP BY grade ORDER BY grade`)).rows.map((r) => [r.grade, r.n]),
      );
      const graded = await count(`SELECT count(*) AS n FROM rm_grading_history WHERE policy_id = '${p.policyId}'`);
      const result = {
        policy: p.policyId,
        customers: CUSTOMERS,
        processed: Number(run.processed),
        changed: Number(run.changed),
        customerGradedEvents: graded,
        activationToRunCompletedSeconds: seconds(runMs),
        customersPerSecond: Math.round(CUSTOMERS / (runMs / 1000)),
        activationToReadModelSeconds: seconds(readModelMs),
        previewSeconds: previewMs === null ? null : seconds(previewMs),
        grades,
        // The machine's 1-minute load average around the run (2 cores shared with other work).
        loadAverage: { before: loadBefore, after: loadAfter },
        withinTarget: runMs / 1000 < TARGET_SECONDS,
      };
      log(
        `${p.policyId}: run ${seconds(runMs)} s (${result.customersPerSecond}/s, ${result.changed} changed), read model ${seconds(readModelMs)} s; grades ${JSON.stringify(grades)}`,
      );
      runs.push(result);
    }

    const facts = await serverFacts(url);
    const result = {
      scenario: 'grading: regrade a portfolio after a policy activation',
      ranAt: new Date().toISOString(),
      machine: machine(),
      postgres: facts,
      customers: CUSTOMERS,
      seed: { events: seeded, seconds: seedSeconds, projectionCatchUpSeconds: catchUpSeconds },
      targetSeconds: TARGET_SECONDS,
      runs,
    };
    const m = machine();
    writeResult(
      'grading',
      result,
      `## Grading: regrade ${CUSTOMERS.toLocaleString('en')} customers after a policy activation

Ran ${result.ranAt} on ${m.cpus} × ${m.cpuModel.split(' ').slice(0, 2).join(' ')}, ${m.memoryGiB} GiB, Node ${m.node}, Postgres ${facts.version} (fsync ${facts.fsync}, synchronous_commit ${facts.synchronous_commit}). One process: HTTP, projections and the run worker. Target: under ${TARGET_SECONDS} s.

| activation | run completed (all CustomerGraded appended) | customers/s | read model shows every grade | CustomerGraded | preview | load avg before / after |
|---|---:|---:|---:|---:|---:|---:|
${runs
  .map(
    (r: any) =>
      `| ${r.policy} | **${r.activationToRunCompletedSeconds} s** | ${r.customersPerSecond} | ${r.activationToReadModelSeconds} s | ${r.customerGradedEvents} | ${r.previewSeconds === null ? '-' : `${r.previewSeconds} s`} | ${r.loadAverage.before} / ${r.loadAverage.after} |`,
  )
  .join('\n')}

Seeding: ${seeded} events through the batched append in ${seedSeconds} s; the projections absorbed them (loan records, ${CUSTOMERS.toLocaleString('en')} first classifications) in ${catchUpSeconds} s.`,
    );
    await app.close();
    await runtime.close();
  } finally {
    await server.close();
  }
}

await main();
