import { caseAssignmentsProjection, caseScopeSql, inCaseScope, type CaseScopePrincipal } from '#case-scope';
import type { Projection } from '#projections';
import type pg from 'pg';
import type { BusinessDate } from '#kernel';
import type { RequestRow } from './projections.js';

const num = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

/** The request as staff see it: the request, its assessment, approvals, offer and plan. */
function requestView(row: RequestRow) {
  return {
    requestId: row.request_id,
    loanId: row.loan_id,
    customerId: row.customer_id,
    type: row.type,
    status: row.status,
    terms: row.terms,
    hardship: { reasonCode: row.hardship_reason, evidenceRefs: row.evidence_refs },
    monthlyIncome: num(row.monthly_income),
    grade: row.grade,
    gradeSource: row.grade_source,
    stage: row.stage,
    dpd: row.dpd,
    requestedBy: row.requested_by,
    requestedOn: row.requested_on,
    assessment: row.assessment ? { ...(row.assessment as object), policyVersion: row.policy_version } : null,
    approvalsRequired: row.approvals_required,
    approvals: row.approvals,
    restructuredPrincipal: num(row.restructured_principal),
    /** The latest schedule: the assessment's preview, then the offered one, then the activated one. */
    schedulePreview: row.plan ? { source: row.plan_source, ...(row.plan as object) } : null,
    rejection: row.rejection,
    offer: row.offer,
    acceptance: row.acceptance,
    activation: row.effective_date
      ? { effectiveDate: row.effective_date, observationEnds: row.observation_ends, stageBefore: row.activation_stage, installments: row.installments }
      : null,
    closedOn: row.closed_on,
    closure: row.closure,
    revision: row.revision,
  };
}

export type RequestView = ReturnType<typeof requestView>;

export interface ListFilter {
  readonly status?: string;
  readonly type?: string;
  readonly loanId?: string;
  readonly customerId?: string;
  /** Collectors and supervisors see the requests on the loans within their case scope only. */
  readonly scope?: CaseScopePrincipal;
  readonly page: number;
  readonly pageSize: number;
}

/** Restructuring's own view of who works which loan, folded from Collection's published case events. */
const CASE_ASSIGNMENTS_TABLE = 'rm_restructuring_case_assignments';
export const restructuringCaseAssignmentsProjection: Projection = caseAssignmentsProjection({
  name: 'restructuring_case_assignments',
  table: CASE_ASSIGNMENTS_TABLE,
});

export interface PerformanceFilter {
  readonly activatedFrom?: BusinessDate;
  readonly activatedTo?: BusinessDate;
}

interface PerformanceRow {
  readonly key: string;
  readonly activated: number;
  readonly active: number;
  readonly completed: number;
  readonly broken: number;
  /** Shares of the activated plans, in basis points (integers). */
  readonly activeRateBps: number;
  readonly completedRateBps: number;
  readonly brokenRateBps: number;
}

const rate = (part: number, total: number) => (total === 0 ? 0 : Math.floor((part * 20_000 + total) / (2 * total)));

function performanceRow(key: string, r: { activated: string; active: string; completed: string; broken: string }): PerformanceRow {
  const activated = Number(r.activated);
  const active = Number(r.active);
  const completed = Number(r.completed);
  const broken = Number(r.broken);
  return {
    key,
    activated,
    active,
    completed,
    broken,
    activeRateBps: rate(active, activated),
    completedRateBps: rate(completed, activated),
    brokenRateBps: rate(broken, activated),
  };
}

/** Queries on the restructuring read models. */
export class RestructuringQueries {
  constructor(private readonly pool: pg.Pool) {}

  async request(requestId: string): Promise<RequestView | null> {
    const { rows } = await this.pool.query<RequestRow>('SELECT * FROM rm_restructuring_requests WHERE request_id = $1', [requestId]);
    return rows.length ? requestView(rows[0]) : null;
  }

  /**
   * Whether the loan is within the principal's case scope (Collection's rule, on restructuring's
   * own copy of the case assignments): what every read and every write of a request checks.
   */
  inScope(principal: CaseScopePrincipal, loanId: string): Promise<boolean> {
    return inCaseScope(this.pool, CASE_ASSIGNMENTS_TABLE, principal, { loanId });
  }

  async list(filter: ListFilter) {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (column: string, value: unknown) => {
      values.push(value);
      where.push(`${column} = $${values.length}`);
    };
    if (filter.status) add('status', filter.status);
    if (filter.type) add('type', filter.type);
    if (filter.loanId) add('loan_id', filter.loanId);
    if (filter.customerId) add('customer_id', filter.customerId);
    const scoped =
      filter.scope && caseScopeSql(CASE_ASSIGNMENTS_TABLE, 'rm_restructuring_requests.loan_id', filter.scope, (v) => (values.push(v), `$${values.length}`));
    if (scoped) where.push(scoped);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM rm_restructuring_requests ${clause}`, values);
    const { rows } = await this.pool.query<RequestRow>(
      `SELECT * FROM rm_restructuring_requests ${clause} ORDER BY requested_on DESC, request_id LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    return { items: rows.map(requestView), page: filter.page, pageSize: filter.pageSize, total: Number(total.rows[0].n) };
  }

  /**
   * Requests waiting for a supervisor: assessed with a passing outcome and not yet fully approved,
   * oldest first. `awaitingYou` says whether the viewer may give the next approval (four eyes).
   */
  async approvalQueue(viewer: CaseScopePrincipal, filter: { type?: string; page: number; pageSize: number }) {
    const viewerId = viewer.id;
    const values: unknown[] = [];
    let clause = `WHERE status IN ('Assessed', 'PartiallyApproved')`;
    const scoped = caseScopeSql(CASE_ASSIGNMENTS_TABLE, 'rm_restructuring_requests.loan_id', viewer, (v) => (values.push(v), `$${values.length}`));
    if (scoped) clause += ` AND ${scoped}`;
    if (filter.type) {
      values.push(filter.type);
      clause += ` AND type = $${values.length}`;
    }
    const total = await this.pool.query<{ n: string }>(`SELECT count(*) AS n FROM rm_restructuring_requests ${clause}`, values);
    const { rows } = await this.pool.query<RequestRow>(
      `SELECT * FROM rm_restructuring_requests ${clause} ORDER BY assessed_on, requested_on, request_id LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    return {
      items: rows.map((r) => {
        const approvals = (r.approvals as Array<{ approverId: string }>) ?? [];
        return {
          requestId: r.request_id,
          loanId: r.loan_id,
          customerId: r.customer_id,
          type: r.type,
          status: r.status,
          grade: r.grade,
          stage: r.stage,
          dpd: r.dpd,
          restructuredPrincipal: num(r.restructured_principal),
          largestInstallment: num((r.plan as { largestInstallment?: number } | null)?.largestInstallment ?? null),
          requestedBy: r.requested_by,
          requestedOn: r.requested_on,
          assessedOn: r.assessed_on,
          policyVersion: r.policy_version,
          approvalsRequired: r.approvals_required,
          approvalsGiven: approvals.length,
          awaitingYou: r.requested_by !== viewerId && !approvals.some((a) => a.approverId === viewerId),
        };
      }),
      page: filter.page,
      pageSize: filter.pageSize,
      total: Number(total.rows[0].n),
    };
  }

  /** Activated plans by outcome, overall and by type, grade and delinquency stage before activation. */
  async performance(filter: PerformanceFilter) {
    const values: unknown[] = [];
    let clause = 'WHERE effective_date IS NOT NULL';
    if (filter.activatedFrom) {
      values.push(filter.activatedFrom);
      clause += ` AND effective_date >= $${values.length}`;
    }
    if (filter.activatedTo) {
      values.push(filter.activatedTo);
      clause += ` AND effective_date <= $${values.length}`;
    }
    const counts = `count(*) AS activated,
      count(*) FILTER (WHERE status = 'Active') AS active,
      count(*) FILTER (WHERE status = 'Completed') AS completed,
      count(*) FILTER (WHERE status = 'Broken') AS broken`;
    const by = async (column: string) => {
      const { rows } = await this.pool.query(
        `SELECT ${column} AS key, ${counts} FROM rm_restructuring_requests ${clause} GROUP BY ${column} ORDER BY ${column}`,
        values,
      );
      return rows.map((r) => performanceRow(String(r.key), r));
    };
    const overall = await this.pool.query(`SELECT 'all' AS key, ${counts} FROM rm_restructuring_requests ${clause}`, values);
    return {
      overall: performanceRow('all', overall.rows[0]),
      byType: await by('type'),
      byGrade: await by('grade'),
      byStage: await by('activation_stage'),
    };
  }

  async hasActivePlan(loanId: string): Promise<boolean> {
    const { rows } = await this.pool.query(`SELECT 1 FROM rm_restructuring_requests WHERE loan_id = $1 AND status = 'Active' LIMIT 1`, [loanId]);
    return rows.length > 0;
  }

  async publishedGrade(customerId: string): Promise<{ grade: string; asOf: BusinessDate } | null> {
    const { rows } = await this.pool.query<{ grade: string; as_of: string }>(
      'SELECT grade, as_of FROM rm_restructuring_customer_grades WHERE customer_id = $1',
      [customerId],
    );
    return rows.length ? { grade: rows[0].grade, asOf: rows[0].as_of } : null;
  }

  /** What the end of `closedDate` must look at: offers whose last day it was (or before), and active plans. */
  async sweepCandidates(closedDate: BusinessDate): Promise<{ offersToExpire: string[]; activePlans: string[] }> {
    const { rows } = await this.pool.query<{ request_id: string; status: string }>(
      `SELECT request_id, status FROM rm_restructuring_requests
        WHERE (status = 'Offered' AND offer_expires_on <= $1) OR status = 'Active'
        ORDER BY request_id`,
      [closedDate],
    );
    return {
      offersToExpire: rows.filter((r) => r.status === 'Offered').map((r) => r.request_id),
      activePlans: rows.filter((r) => r.status === 'Active').map((r) => r.request_id),
    };
  }
}
