import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { comparePositions, type NewEvent, type Position } from '#kernel';
import { PostgresEventStore, type EventStore } from '#eventstore';
import { ProjectionRunner } from '#projections';
import { testDatabase, type TestDatabase } from '#test-support/database.js';
import { FACTS_PROJECTION, factsProjection } from '../src/read-model/facts.projection.js';
import { KpiQueries } from '../src/read-model/kpis.js';

/**
 * Test helpers: append other contexts' events in their published shapes, and wait for a
 * projection to pass a position.
 */
/** A plan of no steps under the strategy's variant, as Collection's case and outreach events carry one. */
function emptyPlan(planId: string, stage: string, o: { strategyId: string; version: number; variant: string }) {
  return { planId, stage, strategy: { strategyId: o.strategyId, version: o.version, variant: o.variant }, steps: [], promiseTerms: {}, adjustmentLimits: {} };
}

export class Scenario {
  last: Position = { commit: 0n, prepare: 0n };

  constructor(private readonly store: EventStore) {}

  async append(streamId: string, type: string, data: Record<string, unknown>, on: string): Promise<string> {
    const eventId = randomUUID();
    const event: NewEvent = {
      eventId,
      type,
      schemaVersion: 1,
      data,
      metadata: {
        correlationId: eventId,
        causationId: eventId,
        actor: { id: 'scenario', role: 'system' },
        command: `Scenario${type}`,
        occurredAt: `${on}T12:00:00.000Z`,
      },
    };
    const result = await this.store.appendToStream(streamId, [event], 'any');
    if (comparePositions(result.position, this.last) > 0) this.last = result.position;
    return eventId;
  }

  // ---- loans (libs/loans/src/domain/loan/events.ts) ----
  loanRegistered(loanId: string, customerId: string, principal: number, on: string) {
    const schedule = [1, 2, 3].map((seq) => ({
      seq,
      dueDate: `2026-${String(9 + seq).padStart(2, '0')}-28`,
      principal: Math.round(principal / 3),
      interest: 1_000,
    }));
    return this.append(
      `loans.loan-${loanId}`,
      'LoanRegistered',
      {
        loanId,
        customerId,
        productCode: 'FAST',
        principal,
        annualRateBps: 1200,
        termMonths: 3,
        disbursementDate: on,
        timeZone: 'Asia/Shanghai',
        schedule,
        product: {},
        registeredOn: on,
      },
      on,
    );
  }
  delinquent(loanId: string, stage: string, dpd: number, overdueAmount: number, on: string) {
    return this.append(`loans.loan-${loanId}`, 'LoanBecameDelinquent', { dpd, stage, overdueAmount, oldestUnpaidDueDate: on, asOf: on }, on);
  }
  stageChanged(loanId: string, from: string, to: string, dpd: number, on: string) {
    return this.append(`loans.loan-${loanId}`, 'DelinquencyStageChanged', { from, to, dpd, overdueAmount: 10_000, asOf: on }, on);
  }
  cured(loanId: string, on: string) {
    return this.append(`loans.loan-${loanId}`, 'LoanCured', { asOf: on, overdueAmount: 0 }, on);
  }
  paidOff(loanId: string, on: string) {
    return this.append(`loans.loan-${loanId}`, 'LoanPaidOff', { asOf: on, paidOffOn: on }, on);
  }
  payment(loanId: string, reference: string, amount: number, principal: number, on: string, seq = 1) {
    const allocations = [
      ...(amount - principal > 0 ? [{ seq, component: 'interest', amount: amount - principal }] : []),
      { seq, component: 'principal', amount: principal },
    ];
    return this.append(`loans.loan-${loanId}`, 'PaymentReceived', { reference, amount, valueDate: on, businessDate: on, allocations, unapplied: 0 }, on);
  }
  reversed(loanId: string, reference: string, amount: number, on: string) {
    return this.append(`loans.loan-${loanId}`, 'PaymentReversed', { reference, amount, valueDate: on, reason: 'BOUNCED', businessDate: on }, on);
  }

  // ---- collection (libs/collection/src/domain/case/events.ts) ----
  caseOpened(
    caseId: string,
    loanId: string,
    customerId: string,
    o: { strategyId: string; version: number; variant: string; grade: string; stage: string; overdue: number },
    on: string,
  ) {
    return this.append(
      `collection.case-${caseId}`,
      'CaseOpened',
      {
        caseId,
        loanId,
        customerId,
        timeZone: 'Asia/Shanghai',
        grade: o.grade,
        stage: o.stage,
        dpd: 1,
        overdueAmount: o.overdue,
        oldestUnpaidDueDate: on,
        openedOn: on,
        queue: `${o.grade}:${o.stage}`,
        plan: emptyPlan(`${caseId}-p1`, o.stage, o),
      },
      on,
    );
  }
  assigned(caseId: string, collectorId: string, on: string) {
    return this.append(`collection.case-${caseId}`, 'CaseAssigned', { caseId, collectorId, team: 'T1', queue: 'x' }, on);
  }
  attempt(
    caseId: string,
    attemptId: string,
    channel: string,
    outcome: string,
    by: { kind: 'COLLECTOR' | 'EXECUTOR'; id: string },
    on: string,
    party: 'DEBTOR' | 'THIRD_PARTY' = 'DEBTOR',
  ) {
    return this.append(
      `collection.case-${caseId}`,
      'ContactAttempted',
      {
        caseId,
        attemptId,
        actionId: null,
        channel,
        party,
        thirdPartyContactId: party === 'THIRD_PARTY' ? `tp-${attemptId}` : null,
        by,
        at: `${on}T02:00:00Z`,
        localDate: on,
        localTime: '10:00',
        rulesVersion: 'CN-2025.1',
        outcome,
        debtDisclosed: false,
        visitId: null,
      },
      on,
    );
  }
  promise(caseId: string, promiseId: string, attemptId: string, amount: number, dueOn: string, on: string) {
    return this.append(
      `collection.case-${caseId}`,
      'PromiseToPayRecorded',
      { caseId, promiseId, attemptId, amount, dueOn, promisedOn: on, graceDays: 2, toleranceFen: 100 },
      on,
    );
  }
  promiseKept(caseId: string, promiseId: string, on: string) {
    return this.append(`collection.case-${caseId}`, 'PromiseKept', { caseId, promiseId, amount: 1, paidAmount: 1, keptOn: on }, on);
  }
  promiseBroken(caseId: string, promiseId: string, on: string) {
    return this.append(
      `collection.case-${caseId}`,
      'PromiseBroken',
      { caseId, promiseId, amount: 1, paidAmount: 0, shortfall: 1, dueOn: on, brokenOn: on },
      on,
    );
  }
  onHold(caseId: string, holdId: string, reason: string, on: string) {
    return this.append(`collection.case-${caseId}`, 'CaseOnHold', { caseId, holdId, reason, since: on }, on);
  }
  caseClosed(caseId: string, reason: string, on: string) {
    return this.append(`collection.case-${caseId}`, 'CaseClosed', { caseId, reason, closedOn: on }, on);
  }

  /** A pre-delinquency track (libs/collection/src/domain/outreach.ts) towards the installment due on `dueDate`. */
  outreachStarted(
    trackId: string,
    loanId: string,
    customerId: string,
    o: { strategyId: string; version: number; variant: string; dueDate: string },
    on: string,
  ) {
    return this.append(
      `collection.outreach-${trackId}`,
      'OutreachStarted',
      {
        trackId,
        loanId,
        customerId,
        timeZone: 'Asia/Shanghai',
        grade: 'B',
        dueDate: o.dueDate,
        startedOn: on,
        plan: emptyPlan(`${trackId}-p1`, 'M0', o),
        warning: { eventId: `w-${trackId}`, episode: 1, severity: 'HIGH', asOf: on },
      },
      on,
    );
  }

  // ---- monitoring's own warnings (libs/monitoring/src/domain/customer-watch.ts) ----
  warningRaised(customerId: string, episode: number, severity: string, startedOn: string, on = startedOn) {
    return this.append(
      `monitoring.customer-${customerId}`,
      'EarlyWarningRaised',
      {
        customerId,
        signals: [],
        severity,
        score: 1,
        ruleSetVersion: 'EW-1',
        episode: { number: episode, startedOn },
        asOf: on,
        sourcePosition: '0/0',
      },
      on,
    );
  }
  warningClosed(customerId: string, episode: number, startedOn: string, on: string) {
    return this.append(
      `monitoring.customer-${customerId}`,
      'EarlyWarningEpisodeClosed',
      {
        customerId,
        episode: { number: episode, startedOn },
        closedOn: on,
        reason: 'CURRENT',
        sourceEventId: 'x',
        sourcePosition: '0/0',
      },
      on,
    );
  }

  // ---- grading (libs/grading/src/domain/customer.ts) ----
  graded(customerId: string, grade: string, previousGrade: string | null, on: string) {
    return this.append(
      `grading.customer-${customerId}`,
      'CustomerGraded',
      {
        customerId,
        grade,
        previousGrade,
        score: 600,
        factors: [],
        override: null,
        policyId: 'P1',
        policyVersion: 1,
        asOf: on,
      },
      on,
    );
  }
  profile(customerId: string, facts: { bureauScore: number | null; monthlyIncome: number | null }, on: string) {
    return this.append(
      `grading.customer-${customerId}`,
      'CustomerProfileUpdated',
      { customerId, facts: { ...facts, monthlyObligations: null, flags: {} }, source: 'bureau', asOf: on },
      on,
    );
  }

  // ---- restructuring (libs/restructuring/src/domain/request/events.ts) ----
  restructured(requestId: string, loanId: string, customerId: string, on: string) {
    return this.append(
      `restructuring.request-${requestId}`,
      'RestructuringActivated',
      {
        requestId,
        loanId,
        customerId,
        type: 'INSTALLMENT_PLAN',
        effectiveDate: on,
        restructuredPrincipal: 1,
        carriedCharges: 0,
        waivedPenalty: 0,
        installments: [],
        observationEnds: on,
        graceDays: 3,
        grade: 'C',
        stage: 'M1',
        dpd: 10,
        policyVersion: '1',
      },
      on,
    );
  }
  planEnded(requestId: string, loanId: string, customerId: string, outcome: 'PlanCompleted' | 'PlanBroken', on: string) {
    const plan = { requestId, loanId, customerId, type: 'INSTALLMENT_PLAN' };
    const data =
      outcome === 'PlanCompleted' ? { ...plan, completedOn: on, installmentsObserved: 3 } : { ...plan, n: 1, seq: 4, dueDate: on, daysLate: 5, brokenOn: on };
    return this.append(`restructuring.request-${requestId}`, outcome, data, on);
  }
}

/** Waits until the projection's checkpoint has passed `position`. */
export async function caughtUp(pool: pg.Pool, projection: string, position: Position, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await pool.query<{ commit_position: string; prepare_position: string; status: string; error: string | null }>(
      `SELECT c.commit_position, c.prepare_position, p.status, p.error FROM projection_checkpoints c
         JOIN projections p ON p.name = c.name AND p.active_generation = c.generation WHERE c.name = $1`,
      [projection],
    );
    const row = rows[0];
    if (row?.status === 'halted') throw new Error(`projection ${projection} halted: ${row.error}`);
    if (row && comparePositions({ commit: BigInt(row.commit_position), prepare: BigInt(row.prepare_position) }, position) >= 0) return;
    if (Date.now() > deadline) throw new Error(`projection ${projection} did not reach the position in time`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A fresh database holding the KPI fact tables of a scenario: `build` appends the events, the
 * facts projection applies them in batches of `batchSize` (so batch boundaries fall between
 * related events), and the answer is ready once it has caught up.
 */
export async function factsOf(
  build: (s: Scenario) => Promise<void>,
  batchSize = 5,
): Promise<{ pool: pg.Pool; store: PostgresEventStore; runner: ProjectionRunner; close(): Promise<void> }> {
  const live = await liveStore();
  const { db, store } = live;
  const s = new Scenario(store);
  await build(s);
  const runner = new ProjectionRunner(db.pool, store, [factsProjection()], { batchSize });
  await runner.start();
  await caughtUp(db.pool, FACTS_PROJECTION, s.last);
  return {
    pool: db.pool,
    store,
    runner,
    async close() {
      await runner.stop();
      await live.close();
    },
  };
}

type Facts = Awaited<ReturnType<typeof factsOf>>;

/**
 * A KPI spec's fixture: before the file's tests, the fact tables of the scenario `build` appends
 * (factsOf, in batches of `batchSize`) and the KPI queries over them; after the tests, closed.
 */
export function kpiScenario(build: (s: Scenario) => Promise<void>, batchSize?: number): { readonly facts: Facts; readonly kpis: KpiQueries } {
  const fixture = {} as { facts: Facts; kpis: KpiQueries };
  beforeAll(async () => {
    fixture.facts = await factsOf(build, batchSize);
    fixture.kpis = new KpiQueries(fixture.facts.pool);
  });
  afterAll(() => fixture.facts?.close());
  return fixture;
}

/** A fresh database with an event store over it that scenarios append to; `close` closes both. */
export async function liveStore(): Promise<{ db: TestDatabase; store: PostgresEventStore; close(): Promise<void> }> {
  const db = await testDatabase();
  const store = new PostgresEventStore(db.pool, { pollIntervalMs: 50 });
  return {
    db,
    store,
    async close() {
      await store.close();
      await db.close();
    },
  };
}
