import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type pg from 'pg';
import { formatPosition, type RecordedEvent } from '#kernel';
import { APP_CONFIG, Metrics, PG_POOL, runCommand, type AppConfig } from '#platform';
import { customerDecider, initialCustomerState, type Trigger } from '../domain/customer.js';
import { loanClassificationDecider, type LoanClassificationState } from '../domain/loan-classification.js';
import type { LoanRecord } from '../domain/loan-facts.js';
import { streams } from '../domain/policies.js';
import type { RunKind } from '../domain/run.js';
import { portfolioInputs, portfolioPage, portfolioSize, type PortfolioCustomer } from '../read-model/portfolio.js';
import { LOAN_CLASSES_TABLE, LOANS_TABLE, RUNS_TABLE } from '../read-model/tables.js';
import { appendPreDecided, GRADING_SYSTEM, type PreDecided } from './commands.js';
import { InForce } from './in-force.js';
import { GradingRepositories } from './repositories.js';

interface RunRow {
  run_id: string;
  kind: RunKind;
  as_of: string;
  started_commit: string;
  started_prepare: string;
}

/** Customers (or loans) per recorded batch, and commands in flight within a batch. */
const RUN_PAGE = 2_000;
const RUN_CONCURRENCY = 8;
const IDLE_MS = 200;

/**
 * Works through portfolio runs (regrade every customer, reclassify every loan) in the process that
 * runs projections. A run is picked up once the regrader has recorded it (so every loan fact up to
 * its start is in rm_grading_loans), processed in pages in id order, and its progress recorded
 * after each page; after a restart it resumes after the last recorded page. One process at a time
 * works on a run (an advisory lock); a newer run of the same kind supersedes an older one.
 *
 * Each customer is decided on the state the customers read model holds (it mirrors the stream,
 * with its revision) and appended at that revision, many streams per statement, so a run reads no
 * streams; a customer whose row is behind its stream conflicts and is handled through the
 * repository instead.
 */
@Injectable()
export class RunWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('GradingRuns');
  private stopped = true;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repos: GradingRepositories,
    private readonly inForce: InForce,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.ARREARS_ROLES.includes('projections')) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.loop = this.forever();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wakeUp?.();
    await this.loop;
    this.loop = null;
  }

  private async forever(): Promise<void> {
    while (!this.stopped) {
      let worked = false;
      try {
        worked = await this.tick();
      } catch (err) {
        // Before the projections are installed the tables do not exist yet: wait quietly.
        if ((err as { code?: string }).code !== '42P01') this.logger.error({ msg: 'portfolio run failed; retrying', error: String(err) });
      }
      if (!worked && !this.stopped)
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, IDLE_MS);
          this.wakeUp = () => {
            clearTimeout(timer);
            resolve();
          };
        });
    }
  }

  /** Works on the oldest running run; true when there was one. */
  async tick(): Promise<boolean> {
    const { rows } = await this.pool.query<RunRow>(
      `SELECT run_id, kind, as_of, started_commit::text, started_prepare::text FROM ${RUNS_TABLE} WHERE status = 'running' ORDER BY started_commit, started_prepare`,
    );
    for (const run of rows) {
      const newer = rows.find(
        (r) =>
          r.kind === run.kind &&
          r !== run &&
          (BigInt(r.started_commit) > BigInt(run.started_commit) ||
            (r.started_commit === run.started_commit && BigInt(r.started_prepare) > BigInt(run.started_prepare))),
      );
      if (await this.withLock(run.run_id, () => this.process(run, newer?.run_id ?? null))) return true;
    }
    return false;
  }

  private async withLock(runId: string, work: () => Promise<void>): Promise<boolean> {
    const client = await this.pool.connect();
    const key = `grading.run:${runId}`;
    try {
      const { rows } = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [key]);
      if (!rows[0].locked) return false;
      try {
        await work();
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [key]);
      }
      return true;
    } finally {
      client.release();
    }
  }

  private async process(run: RunRow, supersededBy: string | null): Promise<void> {
    const stream = streams.run(run.run_id);
    const loaded = await this.repos.runs.load(stream);
    if (loaded.state.status !== 'running') return;
    const started = loaded.events[0];
    const ctx = (command: string, key: string) => ({
      command,
      actor: GRADING_SYSTEM,
      occurredAt: started.metadata.occurredAt,
      correlationId: started.metadata.correlationId,
      causationId: started.eventId,
      idempotencyKey: key,
    });
    if (supersededBy) {
      await runCommand(
        this.metrics,
        this.repos.runs,
        stream,
        { type: 'CompleteRun', runId: run.run_id, supersededBy },
        ctx('CompletePortfolioRun', `${run.run_id}:complete`),
      );
      return;
    }
    const trigger: Trigger = { type: started.type, eventId: started.eventId, position: formatPosition(started.globalPosition) };
    const total = await this.total(run.kind);
    // Pipelined: the next page is read and decided while the current one is appended (the pages
    // are disjoint sets of customers, so neither sees the other's appends).
    const prepare = (after: string) => {
      const prepared = (async () => {
        const ids = await this.page(run.kind, after);
        const items =
          ids.length === 0
            ? []
            : run.kind === 'regrade'
              ? await this.regradePage(ids, run, trigger, started)
              : await this.reclassifyPage(ids, run, trigger, started);
        return { ids, items };
      })();
      prepared.catch(() => undefined); // awaited below; a failure surfaces there, not as unhandled
      return prepared;
    };
    let next = prepare(loaded.state.cursor ?? '');
    for (;;) {
      const { ids, items } = await next;
      if (ids.length === 0 || this.stopped) break;
      const cursor = ids[ids.length - 1];
      const last = ids.length < RUN_PAGE;
      if (!last) next = prepare(cursor);
      const changed = await appendPreDecided(this.repos.store, this.metrics, items, RUN_CONCURRENCY);
      await runCommand(
        this.metrics,
        this.repos.runs,
        stream,
        { type: 'RecordProgress', runId: run.run_id, cursor, processedInBatch: ids.length, changedInBatch: changed, total },
        ctx('RecordPortfolioRunProgress', `${run.run_id}:progress:${cursor}`),
      );
      if (last) break;
    }
    if (this.stopped) return;
    await runCommand(
      this.metrics,
      this.repos.runs,
      stream,
      { type: 'CompleteRun', runId: run.run_id, supersededBy: null },
      ctx('CompletePortfolioRun', `${run.run_id}:complete`),
    );
  }

  private async total(kind: RunKind): Promise<number> {
    if (kind === 'regrade') return portfolioSize(this.pool);
    return (await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${LOANS_TABLE}`)).rows[0].n;
  }

  /** The next ids after the cursor, in byte order (the id columns are COLLATE "C"). */
  private async page(kind: RunKind, cursor: string): Promise<string[]> {
    if (kind === 'regrade') return portfolioPage(this.pool, cursor, RUN_PAGE);
    return (
      await this.pool.query<{ id: string }>(`SELECT loan_id AS id FROM ${LOANS_TABLE} WHERE loan_id > $1 ORDER BY loan_id LIMIT $2`, [cursor, RUN_PAGE])
    ).rows.map((r) => r.id);
  }

  /** The page's regrade decisions, made on the read model's states. */
  private async regradePage(ids: string[], run: RunRow, trigger: Trigger, started: RecordedEvent): Promise<PreDecided[]> {
    const policy = await this.inForce.activePolicy();
    if (!policy) return [];
    const ctx = (customerId: string) => ({
      command: 'RegradeCustomer',
      actor: GRADING_SYSTEM,
      occurredAt: started.metadata.occurredAt,
      correlationId: started.metadata.correlationId,
      causationId: started.eventId,
      idempotencyKey: `${run.run_id}:${customerId}`,
      policyVersions: { gradingPolicy: `${policy.policyId}@${policy.version}` },
    });
    const command = (c: PortfolioCustomer) => ({ type: 'Regrade' as const, customerId: c.customerId, asOf: run.as_of, policy, loans: c.loans, trigger });
    const inputs = await portfolioInputs(this.pool, ids);
    return inputs.map((c) => {
      const streamId = streams.customer(c.customerId);
      const decided = customerDecider.decide(command(c), c.state ?? initialCustomerState());
      return {
        streamId,
        revision: c.revision,
        decided,
        repository: this.repos.customers,
        retry: () => runCommand(this.metrics, this.repos.customers, streamId, command(c), ctx(c.customerId)),
        ctx: ctx(c.customerId),
      };
    });
  }

  /** The page's classification decisions, made on the read model's states. */
  private async reclassifyPage(ids: string[], run: RunRow, trigger: Trigger, started: RecordedEvent): Promise<PreDecided[]> {
    const rules = await this.inForce.activeRules();
    const [states, loanRows] = await Promise.all([
      this.pool.query<{ loan_id: string; revision: number; state: LoanClassificationState }>(
        `SELECT loan_id, revision, state FROM ${LOAN_CLASSES_TABLE} WHERE loan_id = ANY ($1::text[])`,
        [ids],
      ),
      this.pool.query<{ loan_id: string; record: LoanRecord }>(`SELECT loan_id, record FROM ${LOANS_TABLE} WHERE loan_id = ANY ($1::text[])`, [ids]),
    ]);
    const byId = new Map(states.rows.map((r) => [r.loan_id, r]));
    const ctx = (loanId: string) => ({
      command: 'ClassifyLoan',
      actor: GRADING_SYSTEM,
      occurredAt: started.metadata.occurredAt,
      correlationId: started.metadata.correlationId,
      causationId: started.eventId,
      idempotencyKey: `${run.run_id}:${loanId}`,
      policyVersions: { classificationRules: rules.version },
    });
    return loanRows.rows.map(({ loan_id: loanId, record }) => {
      const streamId = streams.loan(loanId);
      const command = { type: 'ClassifyLoan' as const, loan: record, asOf: run.as_of, rules, trigger };
      const row = byId.get(loanId);
      const decided = loanClassificationDecider.decide(command, row?.state ?? loanClassificationDecider.initialState());
      return {
        streamId,
        revision: row ? Number(row.revision) : -1,
        decided,
        repository: this.repos.loans,
        retry: () => runCommand(this.metrics, this.repos.loans, streamId, command, ctx(loanId)),
        ctx: ctx(loanId),
      };
    });
  }
}
