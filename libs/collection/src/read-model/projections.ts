import type { RecordedEvent } from '#kernel';
import { perAggregate, rowProjection, type Projection } from '#projections';
import { CASE_EVENT_TYPES, type CaseEvent } from '../domain/case/events.js';
import { COLLECTOR_EVENT_TYPES, type CollectorEvent } from '../domain/collector.js';
import { DISPATCH_EVENT_TYPES, type DebtorEvent } from '../domain/debtor.js';
import { gradeRank, stageRank } from '../domain/model.js';
import type { StrategyEvent } from '../domain/strategy.js';

/**
 * Read models of the Collection context. Each is a row projection: one row per key, folded from
 * the events in memory per batch and written with one upsert. Business dates are ISO text (they
 * sort as dates); money is bigint fen.
 */

// ---- cases -------------------------------------------------------------------------------------------

export interface CaseRow {
  [column: string]: unknown;
  case_id: string;
  loan_id: string;
  customer_id: string;
  grade: string;
  grade_rank: number;
  stage: string;
  stage_rank: number;
  dpd: number;
  overdue_amount: number;
  status: 'OPEN' | 'ON_HOLD' | 'CLOSED';
  holds: Record<string, string>;
  close_reason: string | null;
  strategy_id: string | null;
  strategy_version: number | null;
  variant: string | null;
  plan_id: string;
  collector_id: string | null;
  team: string | null;
  queue: string;
  opened_on: string;
  closed_on: string | null;
  promises: Record<string, string>;
  next_promise_due: string | null;
  promises_kept: number;
  promises_broken: number;
  contacts: number;
  blocked_contacts: number;
  last_contact_at: string | null;
  last_outcome: string | null;
  pending_visits: number;
  /** The agency the case is placed with now (CasePlacedWithAgency until CasePlacementEnded), and since when. */
  placed_with: string | null;
  placed_since: string | null;
  revision: number;
}

function nextDue(promises: Record<string, string>): string | null {
  const dates = Object.values(promises).sort();
  return dates[0] ?? null;
}

function withPromises(row: CaseRow, promises: Record<string, string>): CaseRow {
  return { ...row, promises, next_promise_due: nextDue(promises) };
}

function statusOf(row: CaseRow, holds: Record<string, string>): CaseRow['status'] {
  if (row.status === 'CLOSED') return 'CLOSED';
  return Object.keys(holds).length ? 'ON_HOLD' : 'OPEN';
}

export function evolveCaseRow(current: CaseRow | undefined, recorded: RecordedEvent): CaseRow | undefined {
  const event = recorded as unknown as CaseEvent;
  if (event.type === 'CaseOpened') {
    const d = event.data;
    return {
      case_id: d.caseId,
      loan_id: d.loanId,
      customer_id: d.customerId,
      grade: d.grade,
      grade_rank: gradeRank(d.grade),
      stage: d.stage,
      stage_rank: stageRank(d.stage),
      dpd: d.dpd,
      overdue_amount: d.overdueAmount,
      status: 'OPEN',
      holds: {},
      close_reason: null,
      strategy_id: d.plan.strategy?.strategyId ?? null,
      strategy_version: d.plan.strategy?.version ?? null,
      variant: d.plan.strategy?.variant ?? null,
      plan_id: d.plan.planId,
      collector_id: null,
      team: null,
      queue: d.queue,
      opened_on: d.openedOn,
      closed_on: null,
      promises: {},
      next_promise_due: null,
      promises_kept: 0,
      promises_broken: 0,
      contacts: 0,
      blocked_contacts: 0,
      last_contact_at: null,
      last_outcome: null,
      pending_visits: 0,
      placed_with: null,
      placed_since: null,
      revision: recorded.revision,
    };
  }
  if (!current) return undefined;
  const row: CaseRow = { ...current, overdue_amount: Number(current.overdue_amount), revision: recorded.revision };
  switch (event.type) {
    case 'CaseAssigned':
      return { ...row, collector_id: event.data.collectorId, team: event.data.team };
    case 'CaseReassigned':
      return { ...row, collector_id: event.data.to, team: event.data.team };
    case 'ActionScheduled':
      return { ...row, dpd: event.data.dpd };
    case 'ContactAttempted':
      return { ...row, contacts: row.contacts + 1, last_contact_at: event.data.at, last_outcome: event.data.outcome };
    case 'ContactBlocked':
      return { ...row, blocked_contacts: row.blocked_contacts + 1 };
    case 'PromiseToPayRecorded':
      return withPromises(row, { ...row.promises, [event.data.promiseId]: event.data.dueOn });
    case 'PromiseKept':
    case 'PromiseBroken':
    case 'PromiseCancelled': {
      const { [event.data.promiseId]: _done, ...rest } = row.promises;
      const counted =
        event.type === 'PromiseKept'
          ? { promises_kept: row.promises_kept + 1 }
          : event.type === 'PromiseBroken'
            ? { promises_broken: row.promises_broken + 1 }
            : {};
      return { ...withPromises(row, rest), ...counted };
    }
    case 'PromiseReopened':
      // Kept on a payment that was reversed: open again, no longer counted as kept.
      return { ...withPromises(row, { ...row.promises, [event.data.promiseId]: event.data.dueOn }), promises_kept: Math.max(0, row.promises_kept - 1) };
    case 'CaseEscalated':
    case 'CaseDeescalated': {
      const d = event.data;
      return {
        ...row,
        stage: d.to,
        stage_rank: stageRank(d.to),
        dpd: d.dpd,
        overdue_amount: d.overdueAmount,
        grade: d.grade,
        grade_rank: gradeRank(d.grade),
        queue: d.queue,
        plan_id: d.plan.planId,
        strategy_id: d.plan.strategy?.strategyId ?? null,
        strategy_version: d.plan.strategy?.version ?? null,
        variant: d.plan.strategy?.variant ?? null,
      };
    }
    case 'CaseOnHold': {
      const holds = { ...row.holds, [event.data.holdId]: event.data.reason };
      return { ...row, holds, status: statusOf(row, holds) };
    }
    case 'CaseResumed': {
      const { [event.data.holdId]: _released, ...holds } = row.holds;
      return { ...row, holds, status: statusOf(row, holds) };
    }
    case 'FieldVisitRequested':
      return { ...row, pending_visits: row.pending_visits + 1 };
    case 'FieldVisitApproved':
    case 'FieldVisitRejected':
      return { ...row, pending_visits: Math.max(0, row.pending_visits - 1) };
    case 'CaseClosed':
      return { ...row, status: 'CLOSED', close_reason: event.data.reason, closed_on: event.data.closedOn };
    case 'CasePlacedWithAgency':
      return { ...row, placed_with: event.data.agencyId, placed_since: event.data.since };
    case 'CasePlacementEnded':
      return row.placed_with === event.data.agencyId ? { ...row, placed_with: null, placed_since: null } : row;
    default:
      return row;
  }
}

const casesProjection: Projection = rowProjection<CaseRow>({
  name: 'collection_cases',
  // 2: indexed by customer, for the debtor-ledger writes' scope check; 3: the agency placement in force
  version: 3,
  table: 'rm_collection_cases',
  ddl: `CREATE TABLE {table} (
    case_id text PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL,
    grade text NOT NULL, grade_rank integer NOT NULL, stage text NOT NULL, stage_rank integer NOT NULL,
    dpd integer NOT NULL, overdue_amount bigint NOT NULL,
    status text NOT NULL, holds jsonb NOT NULL, close_reason text,
    strategy_id text, strategy_version integer, variant text, plan_id text NOT NULL,
    collector_id text, team text, queue text NOT NULL,
    opened_on text NOT NULL, closed_on text,
    promises jsonb NOT NULL, next_promise_due text, promises_kept integer NOT NULL, promises_broken integer NOT NULL,
    contacts integer NOT NULL, blocked_contacts integer NOT NULL, last_contact_at text, last_outcome text,
    pending_visits integer NOT NULL, placed_with text, placed_since text, revision integer NOT NULL);
    CREATE INDEX {table}_collector ON {table} (collector_id, status);
    CREATE INDEX {table}_team ON {table} (team, status);
    CREATE INDEX {table}_customer ON {table} (customer_id);
    CREATE INDEX {table}_status ON {table} (status, stage, grade)`,
  key: 'case_id',
  // The placement's start and end stay on the case stream (not published), and the case's read shows them.
  ...perAggregate('collection.case-', [...CASE_EVENT_TYPES, 'CasePlacedWithAgency', 'CasePlacementEnded'], 'caseId'),
  evolve: evolveCaseRow,
});

// ---- work items (actions and promises) ---------------------------------------------------------------

/**
 * An action's life in the queue: SCHEDULED by the case, then judged by the dispatch gate on the
 * debtor's ledger: OPEN once released (shown to its collector, sent by its executor), WITHHELD,
 * RESCHEDULED (judged again from `release_at`), EXPIRED at the close of its day if nobody
 * performed it; DONE once a contact reported on it.
 */
interface WorkItemRow {
  [column: string]: unknown;
  item_id: string;
  case_id: string;
  customer_id: string | null;
  kind: 'ACTION' | 'PROMISE';
  due_on: string;
  channel: string | null;
  purpose: string | null;
  priority: number;
  performer: string;
  step_id: string | null;
  template_id: string | null;
  amount: number | null;
  status: 'SCHEDULED' | 'OPEN' | 'WITHHELD' | 'RESCHEDULED' | 'EXPIRED' | 'DONE' | 'CANCELLED';
  /** The gate's rule code for a withheld or rescheduled action. */
  hold_code: string | null;
  release_at: string | null;
  /** The debtor's local day the released or rescheduled action is for. */
  dispatch_date: string | null;
  send_at: string | null;
}

const promiseItem = (caseId: string, promiseId: string) => `${caseId}/promise/${promiseId}`;

const workItemsProjection: Projection = rowProjection<WorkItemRow>({
  name: 'collection_work_items',
  // 2: the dispatch gate's verdicts from the debtor ledgers (released, withheld, rescheduled, expired)
  // 3: the pre-delinquency tracks' actions
  version: 3,
  table: 'rm_collection_work_items',
  ddl: `CREATE TABLE {table} (
    item_id text PRIMARY KEY, case_id text NOT NULL, customer_id text, kind text NOT NULL, due_on text NOT NULL,
    channel text, purpose text, priority integer NOT NULL, performer text NOT NULL, step_id text, template_id text,
    amount bigint, status text NOT NULL, hold_code text, release_at text, dispatch_date text, send_at text);
    CREATE INDEX {table}_case ON {table} (case_id);
    CREATE INDEX {table}_open ON {table} (status, due_on);
    CREATE INDEX {table}_release ON {table} (status, release_at) WHERE status = 'RESCHEDULED'`,
  key: 'item_id',
  filter: {
    streamPrefixes: ['collection.case-', 'collection.outreach-', 'collection.debtor-'],
    eventTypes: ['ActionScheduled', 'ContactAttempted', 'PromiseToPayRecorded', 'PromiseKept', 'PromiseBroken', 'PromiseCancelled', ...DISPATCH_EVENT_TYPES],
  },
  keyOf(recorded) {
    const e = recorded as unknown as CaseEvent | DebtorEvent;
    switch (e.type) {
      case 'ActionScheduled':
      case 'ActionReleased':
      case 'ActionWithheld':
      case 'ActionRescheduled':
      case 'ActionExpired':
        return e.data.actionId;
      case 'ContactAttempted':
        return e.data.actionId;
      case 'PromiseToPayRecorded':
      case 'PromiseKept':
      case 'PromiseBroken':
      case 'PromiseCancelled':
        return promiseItem(e.data.caseId, e.data.promiseId);
      default:
        return null;
    }
  },
  evolve(row, recorded) {
    const e = recorded as unknown as CaseEvent | DebtorEvent;
    switch (e.type) {
      case 'ActionScheduled': {
        const d = e.data;
        return {
          item_id: d.actionId,
          case_id: d.caseId,
          customer_id: d.customerId,
          kind: 'ACTION',
          due_on: d.dueOn,
          channel: d.channel,
          purpose: d.purpose,
          priority: d.priority,
          performer: d.performer,
          step_id: d.stepId,
          template_id: d.templateId,
          amount: null,
          status: 'SCHEDULED',
          hold_code: null,
          release_at: null,
          dispatch_date: null,
          send_at: null,
        };
      }
      case 'ActionReleased':
        return row && row.status !== 'DONE'
          ? { ...row, status: 'OPEN', hold_code: null, release_at: null, dispatch_date: e.data.localDate, send_at: e.data.sendAt }
          : row;
      case 'ActionWithheld':
        return row && row.status !== 'DONE' ? { ...row, status: 'WITHHELD', hold_code: e.data.code, release_at: null } : row;
      case 'ActionRescheduled':
        return row && row.status !== 'DONE'
          ? { ...row, status: 'RESCHEDULED', hold_code: e.data.code, release_at: e.data.releaseAt, dispatch_date: e.data.releaseDate }
          : row;
      case 'ActionExpired':
        return row && row.status !== 'DONE' ? { ...row, status: 'EXPIRED', release_at: null } : row;
      case 'ContactAttempted':
        return row ? { ...row, status: 'DONE' } : undefined;
      case 'PromiseToPayRecorded':
        return {
          item_id: promiseItem(e.data.caseId, e.data.promiseId),
          case_id: e.data.caseId,
          customer_id: null,
          kind: 'PROMISE',
          due_on: e.data.dueOn,
          channel: null,
          purpose: null,
          priority: 1,
          performer: 'COLLECTOR',
          step_id: null,
          template_id: null,
          amount: e.data.amount,
          status: 'OPEN',
          hold_code: null,
          release_at: null,
          dispatch_date: null,
          send_at: null,
        };
      case 'PromiseKept':
      case 'PromiseBroken':
        return row ? { ...row, status: 'DONE' } : undefined;
      case 'PromiseCancelled':
        return row ? { ...row, status: 'CANCELLED' } : undefined;
      default:
        return undefined;
    }
  },
});

// ---- collectors --------------------------------------------------------------------------------------

export interface CollectorRow {
  [column: string]: unknown;
  collector_id: string;
  team: string;
  capacity: number;
  skills: string[];
  active: boolean;
  certifications: Record<string, { courseId: string; grantedOn: string; expiresOn: string }>;
  trainings: Array<{ courseId: string; score: number; passed: boolean; completedOn: string }>;
  open_cases: number;
}

const collectorsProjection: Projection = rowProjection<CollectorRow>({
  name: 'collection_collectors',
  version: 1,
  table: 'rm_collection_collectors',
  ddl: `CREATE TABLE {table} (
    collector_id text PRIMARY KEY, team text NOT NULL, capacity integer NOT NULL, skills jsonb NOT NULL, active boolean NOT NULL,
    certifications jsonb NOT NULL, trainings jsonb NOT NULL, open_cases integer NOT NULL);
    CREATE INDEX {table}_team ON {table} (team)`,
  key: 'collector_id',
  ...perAggregate('collection.collector-', COLLECTOR_EVENT_TYPES, 'collectorId'),
  evolve(row, recorded) {
    const e = recorded as unknown as CollectorEvent;
    if (e.type === 'CollectorRegistered') {
      const d = e.data;
      return {
        collector_id: d.collectorId,
        team: d.team,
        capacity: d.capacity,
        skills: [...d.skills],
        active: true,
        certifications: {},
        trainings: [],
        open_cases: 0,
      };
    }
    if (!row) return undefined;
    switch (e.type) {
      case 'CollectorProfileChanged':
        return { ...row, team: e.data.team, capacity: e.data.capacity, skills: [...e.data.skills], active: e.data.active };
      case 'TrainingCompleted': {
        const { courseId, score, passed, completedOn } = e.data;
        return { ...row, trainings: [...row.trainings, { courseId, score, passed, completedOn }] };
      }
      case 'CertificationGranted': {
        const { certification, courseId, grantedOn, expiresOn } = e.data;
        return { ...row, certifications: { ...row.certifications, [certification]: { courseId, grantedOn, expiresOn } } };
      }
      case 'CertificationExpired': {
        const { [e.data.certification]: _gone, ...rest } = row.certifications;
        return { ...row, certifications: rest };
      }
      case 'CollectorCaseAssigned':
      case 'CollectorCaseReleased':
        return { ...row, open_cases: e.data.openCases };
      default:
        return undefined;
    }
  },
});

// ---- strategy versions ------------------------------------------------------------------------------

export interface StrategyVersionRow {
  [column: string]: unknown;
  id: string;
  strategy_id: string;
  version: number;
  status: string;
  keys: unknown;
  definition: unknown;
  reason: string;
  proposed_by: string;
  approved_by: string | null;
  decided_reason: string | null;
  effective_from: string | null;
  supersedes: number | null;
  activation_commit: string | null;
  activation_prepare: string | null;
}

const strategiesProjection: Projection = rowProjection<StrategyVersionRow>({
  name: 'collection_strategies',
  version: 1,
  table: 'rm_collection_strategy_versions',
  ddl: `CREATE TABLE {table} (
    id text PRIMARY KEY, strategy_id text NOT NULL, version integer NOT NULL, status text NOT NULL,
    keys jsonb NOT NULL, definition jsonb NOT NULL, reason text NOT NULL, proposed_by text NOT NULL, approved_by text,
    decided_reason text, effective_from text, supersedes integer, activation_commit numeric(20, 0), activation_prepare numeric(20, 0));
    CREATE INDEX {table}_status ON {table} (status)`,
  key: 'id',
  filter: {
    streamPrefixes: ['collection.strategy-'],
    eventTypes: ['StrategyVersionProposed', 'StrategyVersionApproved', 'StrategyVersionRejected', 'StrategyVersionActivated'],
  },
  keyOf: (e) => {
    const d = e.data as { strategyId?: string; version?: number };
    return d.strategyId && d.version ? `${d.strategyId}@${d.version}` : null;
  },
  evolve(row, recorded) {
    const e = recorded as unknown as StrategyEvent;
    if (e.type === 'StrategyVersionProposed') {
      const d = e.data;
      return {
        id: `${d.strategyId}@${d.version}`,
        strategy_id: d.strategyId,
        version: d.version,
        status: 'PROPOSED',
        keys: d.definition.keys,
        definition: d.definition,
        reason: d.reason,
        proposed_by: d.proposedBy,
        approved_by: null,
        decided_reason: null,
        effective_from: null,
        supersedes: null,
        activation_commit: null,
        activation_prepare: null,
      };
    }
    if (!row) return undefined;
    switch (e.type) {
      case 'StrategyVersionApproved':
        return { ...row, status: 'APPROVED', approved_by: e.data.approvedBy };
      case 'StrategyVersionRejected':
        return { ...row, status: 'REJECTED', approved_by: null, decided_reason: e.data.reason };
      case 'StrategyVersionActivated':
        return {
          ...row,
          status: 'ACTIVE',
          effective_from: e.data.effectiveFrom,
          supersedes: e.data.supersedes,
          activation_commit: String(recorded.globalPosition.commit),
          activation_prepare: String(recorded.globalPosition.prepare),
        };
      default:
        return undefined;
    }
  },
});

export const READ_MODELS: readonly Projection[] = [casesProjection, workItemsProjection, collectorsProjection, strategiesProjection];
