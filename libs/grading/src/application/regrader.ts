import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { formatPosition, streamEntityId, type BusinessDate, type RecordedEvent } from '#kernel';
import type { DelinquencyRestated, LoanEvent } from '#loans';
import { bulkUpsert, type Projection, type ProjectionContext, type Reaction } from '#projections';
import { Metrics, ProblemException, runCommand } from '#platform';
import {
  CUSTOMER_FACT_EVENTS,
  customerDecider,
  initialCustomerState,
  type CustomerFactEvent,
  type CustomerState,
  type GradeRestatement,
  type Trigger,
} from '../domain/customer.js';
import { loanClassificationDecider, type ClassifyLoan, type LoanClassificationState } from '../domain/loan-classification.js';
import { foldLoanEvent, LOAN_FACT_EVENTS, loanBalance, loanEventDate, onBook, REGRADE_LOAN_EVENTS, type LoanRecord } from '../domain/loan-facts.js';
import { streams } from '../domain/policies.js';
import type { ActiveRecord } from '../domain/registry.js';
import type { PortfolioRunCompleted, PortfolioRunProgressed, PortfolioRunStarted, RunKind } from '../domain/run.js';
import { GradingClock } from './clock.js';
import { appendPreDecided, GRADING_SYSTEM, type PreDecided } from './commands.js';
import { InForce } from './in-force.js';
import { PolicyService, type DocumentKind } from './policies.service.js';
import { GradingRepositories } from './repositories.js';
import { CUSTOMERS_TABLE, LOAN_BOOK_TABLE, LOAN_CLASSES_TABLE, LOANS_TABLE, RUNS_TABLE } from '../read-model/tables.js';

/**
 * The regrader: how Grading reacts to what happens elsewhere, in global order, in one projection.
 *
 * For each batch it (1) folds the Loans context's published events into Grading's own loan records
 * (rm_grading_loans), (2) regrades each customer a Loans event or a customer fact touched, once per
 * batch with the batch's latest trigger, (3) reclassifies each touched loan, (4) completes policy
 * activations and starts their portfolio runs, (5) keeps the runs' progress (rm_grading_runs),
 * (6) at each of Loans' EndOfDayCompleted, reclassifies in one set-based selection every loan whose
 * extrapolated days past due cross a threshold of the rules in force that day (more than 90, 270,
 * 360 by default, inside M6+ too, where Loans reports no stage change) and every restructured loan
 * on the books (its observation period may end), as of the closed business date.
 *
 * Facts and reactions share one checkpoint, so a regrade always sees every loan fact up to its
 * trigger; a grade records its trigger's position and the customer decider ignores older triggers,
 * so a replay (rebuild) or a reaction after a portfolio run never takes a grade back in time. The
 * commands are keyed by the triggering event: a batch applied twice appends nothing twice.
 * Commands are decided on the states the customers and loan-classes read models hold and appended
 * together (a state behind its stream is caught by the expected revision and redone on the stream).
 */
const REGRADER = 'grading_regrader';

const RUN_EVENTS = ['PortfolioRunStarted', 'PortfolioRunProgressed', 'PortfolioRunCompleted'] as const;
const ACTIVATION_EVENTS = ['ActivePolicyChanged', 'ActiveClassificationRulesChanged'] as const;
const END_OF_DAY = 'EndOfDayCompleted';
const CUSTOMER_FACTS: ReadonlySet<string> = new Set(CUSTOMER_FACT_EVENTS);
const CONCURRENCY = 8;

const REGRADER_TABLES = {
  [LOANS_TABLE]: `
    CREATE TABLE {table} (
      loan_id         text COLLATE "C" PRIMARY KEY,
      customer_id     text COLLATE "C" NOT NULL,
      record          jsonb NOT NULL,
      balance         bigint NOT NULL,
      paid_off        boolean NOT NULL,
      last_event_date text NOT NULL
    );
    CREATE INDEX {table}_customer ON {table} (customer_id);`,
  [LOAN_BOOK_TABLE]: `
    CREATE TABLE {table} (
      loan_id   text COLLATE "C" NOT NULL,
      from_date text NOT NULL,
      balance   bigint NOT NULL,
      on_book   boolean NOT NULL,
      PRIMARY KEY (loan_id, from_date)
    );`,
  [RUNS_TABLE]: `
    CREATE TABLE {table} (
      run_id           text COLLATE "C" PRIMARY KEY,
      kind             text NOT NULL,
      as_of            text NOT NULL,
      status           text NOT NULL,
      cause            jsonb NOT NULL,
      requested_by     text NOT NULL,
      started_event_id text NOT NULL,
      started_commit   numeric(20, 0) NOT NULL,
      started_prepare  numeric(20, 0) NOT NULL,
      started_at       text NOT NULL,
      cursor           text COLLATE "C",
      processed        integer NOT NULL DEFAULT 0,
      changed          integer NOT NULL DEFAULT 0,
      total            integer,
      superseded_by    text,
      updated_at       text NOT NULL
    );
    CREATE INDEX {table}_running ON {table} (started_commit, started_prepare) WHERE status = 'running';`,
};

/** The trigger of a reaction: the event, with its position. */
function triggerOf(event: RecordedEvent): Trigger {
  return { type: event.type, eventId: event.eventId, position: formatPosition(event.globalPosition) };
}

/** The business date a customer fact states (each one carries `asOf` or `on`); never a clock's. */
function factDate(event: RecordedEvent): BusinessDate {
  const d = event.data as { asOf?: BusinessDate; on?: BusinessDate };
  const date = d.asOf ?? d.on;
  if (!date) throw new Error(`${event.type} ${event.eventId} states no business date`);
  return date;
}

@Injectable()
export class Regrader implements OnModuleDestroy {
  private readonly logger = new Logger('GradingRegrader');

  constructor(
    private readonly repos: GradingRepositories,
    private readonly inForce: InForce,
    private readonly policies: PolicyService,
    private readonly clock: GradingClock,
    private readonly metrics: Metrics,
  ) {
    binding.regrader = this;
  }

  onModuleDestroy(): void {
    if (binding.regrader === this) binding.regrader = null;
  }

  async apply(ctx: ProjectionContext, events: readonly RecordedEvent[]): Promise<void> {
    const loansTable = ctx.table(LOANS_TABLE);
    const loanIds = [...new Set(events.filter((e) => e.streamId.startsWith('loans.loan-')).map((e) => streamEntityId(e.streamId)))];
    const records = new Map<string, LoanRecord>();
    if (loanIds.length) {
      const { rows } = await ctx.query<{ loan_id: string; record: LoanRecord }>(`SELECT loan_id, record FROM ${loansTable} WHERE loan_id = ANY ($1::text[])`, [
        loanIds,
      ]);
      for (const r of rows) records.set(r.loan_id, r.record);
    }
    const changedLoans = new Set<string>();
    /** loanId -> the latest event that touched it; customerId -> the latest trigger. */
    const classify = new Map<string, RecordedEvent>();
    const regrade = new Map<string, RecordedEvent>();
    /** customerId -> the batch's latest Loans restatement of one of their loans, named on the regrade. */
    const restated = new Map<string, GradeRestatement>();
    const activations: RecordedEvent[] = [];
    const runEvents: RecordedEvent[] = [];
    const endsOfDay: RecordedEvent[] = [];
    /** loanId|date -> the loan's balance and book status at the end of that date's events. */
    const book = new Map<string, { loan_id: string; from_date: string; balance: number; on_book: boolean }>();

    for (const event of events) {
      if (event.streamId.startsWith('loans.loan-')) {
        const loanId = streamEntityId(event.streamId);
        const next = foldLoanEvent(records.get(loanId), loanId, event as unknown as LoanEvent);
        if (!next) continue;
        records.set(loanId, next);
        changedLoans.add(loanId);
        // On the books from its registration: Arrears reports on what it knew on each date.
        const on = loanEventDate(event as unknown as LoanEvent);
        book.set(`${loanId}|${on}`, { loan_id: loanId, from_date: on, balance: loanBalance(next), on_book: onBook(next) });
        classify.set(loanId, event);
        if (REGRADE_LOAN_EVENTS.has(event.type)) {
          regrade.delete(next.customerId);
          regrade.set(next.customerId, event);
        }
        if (event.type === 'DelinquencyRestated') {
          const { correction } = (event as unknown as DelinquencyRestated).data;
          restated.set(next.customerId, { eventId: event.eventId, loanId, correction });
        }
      } else if (CUSTOMER_FACTS.has(event.type)) {
        const customerId = (event.data as CustomerFactEvent['data']).customerId;
        regrade.delete(customerId);
        regrade.set(customerId, event);
      } else if ((ACTIVATION_EVENTS as readonly string[]).includes(event.type)) {
        activations.push(event);
      } else if ((RUN_EVENTS as readonly string[]).includes(event.type)) {
        runEvents.push(event);
      } else if (event.type === END_OF_DAY) {
        endsOfDay.push(event);
      }
    }

    await bulkUpsert(
      ctx,
      loansTable,
      [...changedLoans].map((id) => {
        const r = records.get(id)!;
        return { loan_id: id, customer_id: r.customerId, record: r, balance: loanBalance(r), paid_off: r.paidOff, last_event_date: r.lastEventDate };
      }),
      ['loan_id'],
    );
    await bulkUpsert(ctx, ctx.table(LOAN_BOOK_TABLE), [...book.values()], ['loan_id', 'from_date']);
    for (const event of runEvents) await this.applyRunEvent(ctx, event);
    for (const event of activations) {
      const reaction = ctx.reaction(event);
      if (reaction) await this.onActivation(event, reaction);
    }
    if (regrade.size) await this.regradeCustomers(ctx, regrade, restated);
    if (classify.size) await this.classifyLoans(ctx, classify, records);
    for (const event of endsOfDay) {
      const reaction = ctx.reaction(event);
      if (reaction) await this.classifyAtEndOfDay(ctx, event, reaction);
    }
  }

  /**
   * The daily reclassification: one statement selects the loans on the books whose days past due,
   * extrapolated from Loans' last report to the closed date, are one past a threshold of the rules
   * in force (they crossed it that day), and the restructured ones; each is decided as of that date
   * with the day's end as its trigger, keyed per loan. Loans with a Loans event that day were
   * classified by it already; the decider appends nothing for an unchanged category, rule and version.
   */
  private async classifyAtEndOfDay(ctx: ProjectionContext, event: RecordedEvent, reaction: Reaction): Promise<void> {
    const asOf = (event.data as { businessDate: BusinessDate }).businessDate;
    const rules = await this.inForce.activeRules();
    const crossings = [rules.rules.substandardOverDpd, rules.rules.doubtfulOverDpd, rules.rules.lossOverDpd].map((t) => t + 1);
    const { rows } = await ctx.query<{ loan_id: string; record: LoanRecord }>(
      `SELECT loan_id, record FROM ${ctx.table(LOANS_TABLE)}
        WHERE NOT paid_off AND record->>'writtenOffOn' IS NULL
          AND ((record->>'delinquent')::boolean AND (record->>'dpd')::int + ($1::date - (record->>'dpdAsOf')::date) = ANY ($2::int[])
               OR jsonb_array_length(record->'restructurings') > 0)
        ORDER BY loan_id`,
      [asOf, crossings],
    );
    if (!rows.length) return;
    const { rows: stateRows } = await ctx.query<{ loan_id: string; revision: number; state: LoanClassificationState }>(
      `SELECT loan_id, revision, state FROM ${LOAN_CLASSES_TABLE} WHERE loan_id = ANY ($1::text[])`,
      [rows.map((r) => r.loan_id)],
    );
    const states = new Map(stateRows.map((r) => [r.loan_id, r]));
    const trigger = triggerOf(event);
    const items = rows.map(({ loan_id: loanId, record }) =>
      this.classification({ type: 'ClassifyLoan', loan: record, asOf, rules, trigger }, reaction, `${reaction.key}:${loanId}`, states.get(loanId)),
    );
    await appendPreDecided(this.repos.store, this.metrics, items, CONCURRENCY);
  }

  /** One loan's classification decided on the state its read model holds, appended at that revision (or redone on the stream). */
  private classification(
    command: ClassifyLoan,
    reaction: Reaction,
    idempotencyKey: string,
    row: { revision: number; state: LoanClassificationState } | undefined,
  ): PreDecided {
    const streamId = streams.loan(command.loan.loanId);
    const commandCtx = {
      ...reaction.context('ClassifyLoan', { actor: GRADING_SYSTEM, policyVersions: { classificationRules: command.rules.version } }),
      idempotencyKey,
    };
    return {
      streamId,
      revision: row ? Number(row.revision) : -1,
      decided: loanClassificationDecider.decide(command, row?.state ?? loanClassificationDecider.initialState()),
      ctx: commandCtx,
      repository: this.repos.loans,
      retry: () => runCommand(this.metrics, this.repos.loans, streamId, command, commandCtx),
    };
  }

  /**
   * Regrades each touched customer once, with the batch's latest trigger for that customer. The
   * decisions are made on the states the customers read model holds and appended together; one
   * whose state was behind its stream is redone through the repository.
   */
  private async regradeCustomers(ctx: ProjectionContext, triggers: Map<string, RecordedEvent>, restated: ReadonlyMap<string, GradeRestatement>): Promise<void> {
    const policy = await this.inForce.activePolicy();
    if (!policy) return;
    // Only triggers never decided before: a replay (rebuild, verify) regrades nobody.
    const ids = [...triggers.keys()].filter((id) => ctx.reaction(triggers.get(id)!));
    if (!ids.length) return;
    const { rows: loanRows } = await ctx.query<{ customer_id: string; record: LoanRecord }>(
      `SELECT customer_id, record FROM ${ctx.table(LOANS_TABLE)} WHERE customer_id = ANY ($1::text[])`,
      [ids],
    );
    const { rows: stateRows } = await ctx.query<{ customer_id: string; revision: number; state: CustomerState }>(
      `SELECT customer_id, revision, state FROM ${CUSTOMERS_TABLE} WHERE customer_id = ANY ($1::text[])`,
      [ids],
    );
    const loans = new Map<string, LoanRecord[]>();
    for (const r of loanRows) loans.set(r.customer_id, [...(loans.get(r.customer_id) ?? []), r.record]);
    const states = new Map(stateRows.map((r) => [r.customer_id, r]));
    const items: PreDecided[] = ids.map((customerId) => {
      const event = triggers.get(customerId)!;
      const streamId = streams.customer(customerId);
      const asOf = event.streamId.startsWith('loans.loan-') ? loanEventDate(event as unknown as LoanEvent) : factDate(event);
      const restatement = restated.get(customerId);
      const command = {
        type: 'Regrade' as const,
        customerId,
        asOf,
        policy,
        loans: loans.get(customerId) ?? [],
        trigger: triggerOf(event),
        ...(restatement ? { restatement } : {}),
      };
      const reaction = ctx.reaction(event)!;
      const commandCtx = {
        ...reaction.context('RegradeCustomer', { actor: GRADING_SYSTEM, policyVersions: { gradingPolicy: `${policy.policyId}@${policy.version}` } }),
        idempotencyKey: reaction.key,
      };
      const row = states.get(customerId);
      const revision = row ? Number(row.revision) : -1;
      return {
        streamId,
        revision,
        decided: customerDecider.decide(command, row?.state ?? initialCustomerState()),
        ctx: commandCtx,
        repository: this.repos.customers,
        retry: () => runCommand(this.metrics, this.repos.customers, streamId, command, commandCtx),
        // A fact on the customer's own stream that the customers read model has not applied yet.
        stale: event.streamId === streamId && revision < event.revision,
      };
    });
    await appendPreDecided(this.repos.store, this.metrics, items, CONCURRENCY);
  }

  /** Reclassifies each touched loan once, as of its latest event, the same way. */
  private async classifyLoans(ctx: ProjectionContext, triggers: Map<string, RecordedEvent>, records: Map<string, LoanRecord>): Promise<void> {
    const ids = [...triggers.keys()].filter((id) => ctx.reaction(triggers.get(id)!));
    if (!ids.length) return;
    const rules = await this.inForce.activeRules();
    const { rows } = await ctx.query<{ loan_id: string; revision: number; state: LoanClassificationState }>(
      `SELECT loan_id, revision, state FROM ${LOAN_CLASSES_TABLE} WHERE loan_id = ANY ($1::text[])`,
      [ids],
    );
    const states = new Map(rows.map((r) => [r.loan_id, r]));
    const items = ids.map((loanId) => {
      const event = triggers.get(loanId)!;
      const reaction = ctx.reaction(event)!;
      const command: ClassifyLoan = {
        type: 'ClassifyLoan',
        loan: records.get(loanId)!,
        asOf: loanEventDate(event as unknown as LoanEvent),
        rules,
        trigger: triggerOf(event),
      };
      return this.classification(command, reaction, reaction.key, states.get(loanId));
    });
    await appendPreDecided(this.repos.store, this.metrics, items, CONCURRENCY);
  }

  /** Completes an activation on the policy streams (idempotent) and starts its portfolio run. */
  private async onActivation(event: RecordedEvent, reaction: Reaction): Promise<void> {
    const kind: DocumentKind = event.type === 'ActivePolicyChanged' ? 'policy' : 'rules';
    const idField = kind === 'policy' ? 'policyId' : 'rulesetId';
    const data = event.data as { active: ActiveRecord | null; previous: ActiveRecord | null; clearedOn?: BusinessDate };
    const ref = (r: ActiveRecord | null) => (r ? { id: String(r[idField]), version: Number(r.version) } : null);
    const active = ref(data.active);
    // A new version takes effect on its stated date; a cleared pointer (a retirement) on the
    // retirement's business date, or, for events recorded before it was kept, the open business date.
    const effectiveFrom: BusinessDate = data.active?.effectiveFrom ?? data.clearedOn ?? (await this.clock.todayOrThrow());
    const ctx = { correlationId: event.metadata.correlationId, causationId: event.eventId, occurredAt: event.metadata.occurredAt, onOutcome: reaction.note };
    try {
      await this.policies.completeActivation(kind, { active, previous: ref(data.previous) }, effectiveFrom, event.metadata.actor, ctx);
    } catch (err) {
      // A policy stream that refuses (retired in a race with its activation) must not stop grading.
      if (!(err instanceof ProblemException)) throw err;
      this.logger.warn({ msg: 'activation follow-up refused', eventId: event.eventId, code: err.problem.code, detail: err.problem.detail });
    }
    if (kind === 'policy' && !active) return;
    const runKind: RunKind = this.policies.runKindOf(kind);
    const runId = active ? `${runKind}-${active.id}-v${active.version}` : `${runKind}-builtin-r${event.revision}`;
    await runCommand(
      this.metrics,
      this.repos.runs,
      streams.run(runId),
      {
        type: 'StartRun',
        runId,
        kind: runKind,
        asOf: effectiveFrom,
        cause: {
          type: kind === 'policy' ? 'policy-activated' : 'rules-activated',
          activationEventId: event.eventId,
          policyId: kind === 'policy' ? (active?.id ?? null) : null,
          rulesetId: kind === 'rules' ? (active?.id ?? null) : null,
          version: active?.version ?? null,
        },
        requestedBy: event.metadata.actor.id,
      },
      reaction.context('StartPortfolioRun', { actor: GRADING_SYSTEM }),
    );
  }

  private async applyRunEvent(ctx: ProjectionContext, event: RecordedEvent): Promise<void> {
    const table = ctx.table(RUNS_TABLE);
    /** Sets a run's columns ($2 to $5, the run id $1) as of the event. */
    const updateRun = (set: string, values: unknown[]) =>
      ctx.query(`UPDATE ${table} SET ${set}, updated_at = $6 WHERE run_id = $1`, [...values, event.recordedAt]);
    switch (event.type) {
      case 'PortfolioRunStarted': {
        const d = event.data as PortfolioRunStarted['data'];
        await ctx.query(
          `INSERT INTO ${table} (run_id, kind, as_of, status, cause, requested_by, started_event_id, started_commit, started_prepare, started_at, updated_at)
           VALUES ($1, $2, $3, 'running', $4, $5, $6, $7, $8, $9, $9) ON CONFLICT (run_id) DO NOTHING`,
          [
            d.runId,
            d.kind,
            d.asOf,
            JSON.stringify(d.cause),
            d.requestedBy,
            event.eventId,
            String(event.globalPosition.commit),
            String(event.globalPosition.prepare),
            event.recordedAt,
          ],
        );
        return;
      }
      case 'PortfolioRunProgressed': {
        const d = event.data as PortfolioRunProgressed['data'];
        await updateRun('cursor = $2, processed = $3, changed = $4, total = $5', [d.runId, d.cursor, d.processed, d.changed, d.total]);
        return;
      }
      case 'PortfolioRunCompleted': {
        const d = event.data as PortfolioRunCompleted['data'];
        await updateRun('status = $2, processed = $3, changed = $4, superseded_by = $5', [d.runId, d.outcome, d.processed, d.changed, d.supersededBy]);
        return;
      }
    }
  }
}

/**
 * Projections are registered with the app before Nest builds the context's providers, so the
 * projection reaches the regrader through this binding, set when the provider is created. One app
 * per process (as the deployable and the tests run it).
 */
const binding: { regrader: Regrader | null } = { regrader: null };

export const regraderProjection: Projection = {
  name: REGRADER,
  // 2: the loan-book table (balances by date) for the classification report.
  version: 2,
  reacts: true,
  triggers: [...LOAN_FACT_EVENTS, ...CUSTOMER_FACT_EVENTS, ...ACTIVATION_EVENTS, END_OF_DAY],
  filter: {
    streamPrefixes: ['loans.loan-', 'loans.calendar-', 'grading.customer-', 'grading.policies-registry', 'grading.rulesets-registry', 'grading.run-'],
    eventTypes: [...LOAN_FACT_EVENTS, ...CUSTOMER_FACT_EVENTS, ...ACTIVATION_EVENTS, ...RUN_EVENTS, END_OF_DAY],
  },
  tables: REGRADER_TABLES,
  async apply(ctx, events) {
    if (!binding.regrader) throw new Error('the grading context is not initialised: no regrader bound');
    await binding.regrader.apply(ctx, events);
  },
};
