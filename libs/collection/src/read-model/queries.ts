import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { addDays, type BusinessDate, type RecordedEvent } from '#kernel';
import { PG_POOL, type Principal } from '#platform';
import type { CaseState } from '../domain/case/events.js';
import type { CaseRow, CollectorRow, StrategyVersionRow } from './projections.js';

/**
 * Queries on the Collection read models, always within the caller's scope (row-level access):
 * a collector sees the cases assigned to them, a supervisor their team's (and the cases still
 * waiting for a collector, which they may assign), everyone else with a reading role every case.
 */
export type Scope =
  { readonly kind: 'all' } | { readonly kind: 'collector'; readonly collectorId: string } | { readonly kind: 'team'; readonly team: string | null };

export function scopeOf(principal: Principal): Scope {
  if (principal.role === 'collector') return { kind: 'collector', collectorId: principal.id };
  if (principal.role === 'supervisor') return { kind: 'team', team: principal.team ?? null };
  return { kind: 'all' };
}

/** Whether a case (as its stream folds) is within the caller's scope. */
export function caseVisible(scope: Scope, state: CaseState): boolean {
  if (state.status === 'none') return false;
  if (scope.kind === 'collector') return state.collectorId === scope.collectorId;
  if (scope.kind === 'team') return scope.team !== null && (state.team === scope.team || state.collectorId === null);
  return true;
}

export interface CaseListFilters {
  readonly stage?: string;
  readonly grade?: string;
  readonly status?: 'OPEN' | 'ON_HOLD' | 'CLOSED';
  readonly collectorId?: string;
  readonly team?: string;
  readonly variant?: 'champion' | 'challenger';
  readonly strategyId?: string;
  readonly queue?: string;
  readonly unassigned?: boolean;
  readonly page: number;
  readonly pageSize: number;
}

function caseSummary(r: CaseRow) {
  return {
    caseId: r.case_id,
    loanId: r.loan_id,
    customerId: r.customer_id,
    status: r.status,
    closeReason: r.close_reason,
    grade: r.grade,
    stage: r.stage,
    dpd: r.dpd,
    overdueAmount: Number(r.overdue_amount),
    queue: r.queue,
    strategy: r.strategy_id ? { strategyId: r.strategy_id, version: r.strategy_version, variant: r.variant } : null,
    planId: r.plan_id,
    collectorId: r.collector_id,
    team: r.team,
    openedOn: r.opened_on,
    closedOn: r.closed_on,
    holds: Object.entries(r.holds ?? {}).map(([holdId, reason]) => ({ holdId, reason })),
    nextPromiseDue: r.next_promise_due,
    promisesKept: r.promises_kept,
    promisesBroken: r.promises_broken,
    contacts: r.contacts,
    blockedContacts: r.blocked_contacts,
    lastContactAt: r.last_contact_at,
    lastOutcome: r.last_outcome,
    pendingFieldVisits: r.pending_visits,
    /** The agency the case is placed with now (the bank's collectors do not work it meanwhile), or null. */
    placement: r.placed_with ? { agencyId: r.placed_with, since: r.placed_since } : null,
    revision: r.revision,
  };
}

export type CaseSummary = ReturnType<typeof caseSummary>;

@Injectable()
export class CollectionQueries {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  private scopeSql(scope: Scope, where: string[], values: unknown[], alias = 'c'): void {
    if (scope.kind === 'collector') {
      values.push(scope.collectorId);
      where.push(`${alias}.collector_id = $${values.length}`);
    } else if (scope.kind === 'team') {
      if (scope.team === null) where.push('false');
      else {
        values.push(scope.team);
        where.push(`(${alias}.team = $${values.length} OR ${alias}.collector_id IS NULL)`);
      }
    }
  }

  /**
   * Whether Collection knows the debtor (has a case of the customer) and whether one of those
   * cases is within the scope: what a write on the debtor's ledger checks.
   */
  async debtorScope(customerId: string, scope: Scope): Promise<'unknown' | 'out' | 'in'> {
    const where: string[] = [];
    const values: unknown[] = [customerId];
    this.scopeSql(scope, where, values);
    const mine = where.length ? where.join(' AND ') : 'true';
    const { rows } = await this.pool.query<{ known: boolean; mine: boolean }>(
      `SELECT count(*) > 0 AS known, coalesce(bool_or(${mine}), false) AS mine FROM rm_collection_cases c WHERE c.customer_id = $1`,
      values,
    );
    return !rows[0].known ? 'unknown' : rows[0].mine ? 'in' : 'out';
  }

  async listCases(filters: CaseListFilters, scope: Scope) {
    const where: string[] = [];
    const values: unknown[] = [];
    this.scopeSql(scope, where, values);
    const eq = (column: string, value: unknown) => {
      if (value === undefined) return;
      values.push(value);
      where.push(`c.${column} = $${values.length}`);
    };
    eq('stage', filters.stage);
    eq('grade', filters.grade);
    eq('status', filters.status);
    eq('collector_id', filters.collectorId);
    eq('team', filters.team);
    eq('variant', filters.variant);
    eq('strategy_id', filters.strategyId);
    eq('queue', filters.queue);
    if (filters.unassigned) where.push('c.collector_id IS NULL');
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { rows: count } = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM rm_collection_cases c ${clause}`, values);
    const { rows } = await this.pool.query(
      `SELECT * FROM rm_collection_cases c ${clause}
        ORDER BY (c.status = 'CLOSED'), c.stage_rank DESC, c.grade_rank DESC, c.overdue_amount DESC, c.case_id
        LIMIT ${filters.pageSize} OFFSET ${(filters.page - 1) * filters.pageSize}`,
      values,
    );
    return { items: rows.map(caseSummary), page: filters.page, pageSize: filters.pageSize, total: Number(count[0].n) };
  }

  async caseSummary(caseId: string): Promise<CaseSummary | null> {
    const { rows } = await this.pool.query('SELECT * FROM rm_collection_cases WHERE case_id = $1', [caseId]);
    return rows.length ? caseSummary(rows[0]) : null;
  }

  /**
   * A collector's work for a business day: the collector actions due by then and the promises due
   * by then (to follow up), on their open cases, most pressing first: worst grade, then largest
   * overdue amount, then the nearest promise date, then the step's priority.
   */
  async workQueue(collectorId: string, date: BusinessDate) {
    const { rows } = await this.pool.query(
      // The collector's open cases first, then each one's items through the case index: joined the
      // other way (all open items due, then their cases) the plan grows with every collector's work.
      `SELECT w.*, c.loan_id, c.customer_id, c.grade, c.stage, c.dpd, c.overdue_amount, c.next_promise_due, c.placed_with
         FROM rm_collection_cases c
        CROSS JOIN LATERAL (
          SELECT * FROM rm_collection_work_items w
           WHERE w.case_id = c.case_id AND w.status = 'OPEN' AND w.performer = 'COLLECTOR' AND w.due_on <= $2
           OFFSET 0
        ) w
        WHERE c.collector_id = $1 AND c.status = 'OPEN'
        ORDER BY c.grade_rank DESC, c.overdue_amount DESC, coalesce(c.next_promise_due, '9999-12-31'), w.priority, w.due_on, w.item_id`,
      [collectorId, date],
    );
    return {
      collectorId,
      businessDate: date,
      items: rows.map((r) => ({
        itemId: r.item_id,
        kind: r.kind,
        caseId: r.case_id,
        loanId: r.loan_id,
        customerId: r.customer_id,
        grade: r.grade,
        stage: r.stage,
        dpd: r.dpd,
        overdueAmount: Number(r.overdue_amount),
        nextPromiseDue: r.next_promise_due,
        /** The agency the case is placed with now, or null. */
        placedWith: (r.placed_with as string | null) ?? null,
        dueOn: r.due_on,
        ...(r.kind === 'ACTION'
          ? { actionId: r.item_id, stepId: r.step_id, channel: r.channel, purpose: r.purpose, templateId: r.template_id, priority: r.priority }
          : { promiseAmount: Number(r.amount) }),
      })),
    };
  }

  /** A supervisor's team: each collector's load, certifications and results, and the team's queue. */
  async teamView(team: string, date: BusinessDate) {
    const { rows: collectors } = await this.pool.query(
      `SELECT k.*,
              (SELECT count(*) FROM rm_collection_cases c WHERE c.collector_id = k.collector_id AND c.status = 'ON_HOLD') AS on_hold,
              (SELECT coalesce(sum(c.overdue_amount), 0) FROM rm_collection_cases c WHERE c.collector_id = k.collector_id AND c.status <> 'CLOSED') AS overdue,
              (SELECT count(*) FROM rm_collection_cases c WHERE c.collector_id = k.collector_id AND c.status <> 'CLOSED' AND c.next_promise_due IS NOT NULL) AS open_promises,
              (SELECT coalesce(sum(c.promises_kept), 0) FROM rm_collection_cases c WHERE c.collector_id = k.collector_id) AS kept,
              (SELECT coalesce(sum(c.promises_broken), 0) FROM rm_collection_cases c WHERE c.collector_id = k.collector_id) AS broken,
              (SELECT count(*) FROM rm_collection_work_items w JOIN rm_collection_cases c ON c.case_id = w.case_id
                WHERE c.collector_id = k.collector_id AND c.status = 'OPEN' AND w.status = 'OPEN' AND w.performer = 'COLLECTOR' AND w.due_on <= $2) AS due_today
         FROM rm_collection_collectors k WHERE k.team = $1 ORDER BY k.collector_id`,
      [team, date],
    );
    const soon = addDays(date, 30);
    const { rows: pending } = await this.pool.query(
      `SELECT case_id, collector_id, pending_visits FROM rm_collection_cases WHERE team = $1 AND status <> 'CLOSED' AND pending_visits > 0 ORDER BY case_id`,
      [team],
    );
    return {
      team,
      businessDate: date,
      collectors: collectors.map((k) => {
        const certifications = Object.entries(k.certifications as Record<string, { grantedOn: string; expiresOn: string }>).map(([name, c]) => ({
          certification: name,
          grantedOn: c.grantedOn,
          expiresOn: c.expiresOn,
          valid: c.grantedOn <= date && date < c.expiresOn,
          expiresWithin30Days: c.expiresOn <= soon,
        }));
        return {
          collectorId: k.collector_id,
          active: k.active,
          capacity: k.capacity,
          openCases: k.open_cases,
          utilisationPct: k.capacity ? Math.round((100 * k.open_cases) / k.capacity) : null,
          onHold: Number(k.on_hold),
          overdueAmount: Number(k.overdue),
          openPromises: Number(k.open_promises),
          promisesKept: Number(k.kept),
          promisesBroken: Number(k.broken),
          actionsDue: Number(k.due_today),
          skills: k.skills,
          certifications,
        };
      }),
      fieldVisitsAwaitingApproval: pending.map((r) => ({ caseId: r.case_id, collectorId: r.collector_id, pending: r.pending_visits })),
    };
  }

  async collectors(team?: string) {
    const { rows } = await this.pool.query(
      `SELECT * FROM rm_collection_collectors ${team !== undefined ? 'WHERE team = $1' : ''} ORDER BY team, collector_id`,
      team !== undefined ? [team] : [],
    );
    return rows.map(collectorView);
  }

  async collector(collectorId: string) {
    const { rows } = await this.pool.query('SELECT * FROM rm_collection_collectors WHERE collector_id = $1', [collectorId]);
    return rows.length ? collectorView(rows[0]) : null;
  }

  async strategies() {
    const { rows } = await this.pool.query('SELECT * FROM rm_collection_strategy_versions ORDER BY strategy_id, version');
    return rows.map(strategyView);
  }

  async strategy(strategyId: string) {
    const { rows } = await this.pool.query('SELECT * FROM rm_collection_strategy_versions WHERE strategy_id = $1 ORDER BY version', [strategyId]);
    return rows.map(strategyView);
  }
}

function collectorView(k: CollectorRow) {
  return {
    collectorId: k.collector_id,
    team: k.team,
    capacity: k.capacity,
    openCases: k.open_cases,
    skills: k.skills,
    active: k.active,
    certifications: k.certifications,
    trainings: k.trainings,
  };
}

function strategyView(r: StrategyVersionRow) {
  return {
    strategyId: r.strategy_id,
    version: r.version,
    status: r.status,
    keys: r.keys,
    definition: r.definition,
    reason: r.reason,
    proposedBy: r.proposed_by,
    approvedBy: r.approved_by,
    rejectionReason: r.decided_reason,
    effectiveFrom: r.effective_from,
    supersedes: r.supersedes,
  };
}

/** The case's full history as recorded: every event with who, when, why and under which versions. */
export function timelineOf(events: readonly RecordedEvent[]) {
  return events.map((e) => ({
    revision: e.revision,
    type: e.type,
    occurredAt: e.metadata.occurredAt,
    recordedAt: e.recordedAt,
    actor: e.metadata.actor,
    command: e.metadata.command,
    ...(e.metadata.policyVersions ? { policyVersions: e.metadata.policyVersions } : {}),
    data: e.data,
  }));
}
