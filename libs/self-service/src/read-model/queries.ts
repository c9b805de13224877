import type pg from 'pg';
import type { BusinessDate } from '#kernel';
import { COMPLAINTS_TABLE, SELF_SERVICE_CASES_TABLE, type ComplaintRow } from './projections.js';

export interface CustomerCase {
  readonly caseId: string;
  readonly loanId: string;
  readonly customerId: string;
  readonly collectorId: string | null;
  readonly team: string | null;
  readonly open: boolean;
}

export interface ComplaintView {
  readonly complaintId: string;
  readonly customerId: string;
  readonly kind: string;
  readonly category: string;
  readonly source: string;
  readonly loanId: string | null;
  readonly caseIds: string[];
  readonly status: string;
  readonly raisedBy: { readonly id: string; readonly role: string };
  readonly channel: string | null;
  readonly raisedOn: string;
  readonly acknowledgeBy: string;
  readonly resolveBy: string;
  readonly acknowledgedOn: string | null;
  readonly investigator: { readonly id: string; readonly team: string | null } | null;
  readonly investigationStartedOn: string | null;
  readonly resolvedOn: string | null;
  readonly outcome: string | null;
  readonly remedies: string[];
  readonly late: boolean | null;
  readonly escalations: Array<{ deadline: string; due: string; escalatedOn: string }>;
  /** The resolution deadline's extension (resolveBy is the extended one), or null. */
  readonly extension: { days: number; reason: string; previousResolveBy: string; extendedBy: string; extendedOn: string; noticeRef: string | null } | null;
}

export interface ComplaintFilter {
  readonly status?: string;
  readonly kind?: string;
  readonly customerId?: string;
  readonly escalated?: boolean;
  readonly page: number;
  readonly pageSize: number;
}

export interface ComplaintStats {
  readonly open: number;
  readonly escalatedOpen: number;
  readonly resolved: number;
  readonly byOutcome: Record<string, number>;
  /** Upheld or partly upheld, of the resolved ones (null when none is resolved). */
  readonly upheldRate: number | null;
  readonly resolvedLate: number;
  /** Mean days from raised to resolved, on business dates (null when none is resolved). */
  readonly meanDaysToResolve: number | null;
  readonly byKind: Record<string, number>;
  /** Per collector and per team of the cases complained about (a complaint on two teams' cases counts for each). */
  readonly byCollector: ReadonlyArray<{ readonly collectorId: string; readonly complaints: number; readonly upheld: number }>;
  readonly byTeam: ReadonlyArray<{ readonly team: string; readonly complaints: number; readonly upheld: number }>;
}

function view(r: ComplaintRow): ComplaintView {
  return {
    complaintId: r.complaint_id,
    customerId: r.customer_id,
    kind: r.kind,
    category: r.category,
    source: r.source,
    loanId: r.loan_id,
    caseIds: r.case_ids,
    status: r.status,
    raisedBy: { id: r.raised_by, role: r.raised_by_role },
    channel: r.channel,
    raisedOn: r.raised_on,
    acknowledgeBy: r.acknowledge_by,
    resolveBy: r.resolve_by,
    acknowledgedOn: r.acknowledged_on,
    investigator: r.investigator_id ? { id: r.investigator_id, team: r.investigator_team } : null,
    investigationStartedOn: r.investigation_started_on,
    resolvedOn: r.resolved_on,
    outcome: r.outcome,
    remedies: r.remedies,
    late: r.late,
    escalations: r.escalations,
    extension: r.extension ?? null,
  };
}

/** Queries on Self-service's read models (eventually consistent with the events). */
export class SelfServiceQueries {
  constructor(private readonly pool: pg.Pool) {}

  /** The customer's collection cases (open ones first), optionally of one loan. */
  async customerCases(customerId: string, loanId?: string): Promise<CustomerCase[]> {
    const { rows } = await this.pool.query(
      `SELECT case_id, loan_id, customer_id, collector_id, team, open FROM ${SELF_SERVICE_CASES_TABLE}
        WHERE customer_id = $1 ${loanId ? 'AND loan_id = $2' : ''} ORDER BY open DESC, case_id`,
      loanId ? [customerId, loanId] : [customerId],
    );
    return rows.map((r) => ({ caseId: r.case_id, loanId: r.loan_id, customerId: r.customer_id, collectorId: r.collector_id, team: r.team, open: r.open }));
  }

  async complaint(complaintId: string): Promise<ComplaintView | null> {
    const { rows } = await this.pool.query(`SELECT * FROM ${COMPLAINTS_TABLE} WHERE complaint_id = $1`, [complaintId]);
    return rows[0] ? view(rows[0]) : null;
  }

  async complaints(filter: ComplaintFilter) {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (filter.status === 'OPEN') where.push(`status <> 'RESOLVED'`);
    else if (filter.status) add('status = ?', filter.status);
    if (filter.kind) add('kind = ?', filter.kind);
    if (filter.customerId) add('customer_id = ?', filter.customerId);
    if (filter.escalated !== undefined) where.push(filter.escalated ? `jsonb_array_length(escalations) > 0` : `jsonb_array_length(escalations) = 0`);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const total = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${COMPLAINTS_TABLE} ${clause}`, values);
    const { rows } = await this.pool.query(
      `SELECT * FROM ${COMPLAINTS_TABLE} ${clause} ORDER BY resolve_by, complaint_id LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, filter.pageSize, (filter.page - 1) * filter.pageSize],
    );
    return { items: rows.map(view), page: filter.page, pageSize: filter.pageSize, total: total.rows[0].n };
  }

  /** Open complaints with a deadline on or before the closed business date still unmet. */
  async overdueOn(closedDate: BusinessDate): Promise<string[]> {
    const { rows } = await this.pool.query<{ complaint_id: string }>(
      `SELECT complaint_id FROM ${COMPLAINTS_TABLE}
        WHERE status <> 'RESOLVED' AND (resolve_by <= $1 OR (acknowledged_on IS NULL AND acknowledge_by <= $1))
        ORDER BY complaint_id`,
      [closedDate],
    );
    return rows.map((r) => r.complaint_id);
  }

  async stats(): Promise<ComplaintStats> {
    const { rows } = await this.pool.query(
      `SELECT count(*) FILTER (WHERE status <> 'RESOLVED')::int AS open,
              count(*) FILTER (WHERE status <> 'RESOLVED' AND jsonb_array_length(escalations) > 0)::int AS escalated_open,
              count(*) FILTER (WHERE status = 'RESOLVED')::int AS resolved,
              count(*) FILTER (WHERE outcome IN ('UPHELD', 'PARTLY_UPHELD'))::int AS upheld,
              count(*) FILTER (WHERE late)::int AS late,
              avg(resolved_on::date - raised_on::date) FILTER (WHERE status = 'RESOLVED')::float8 AS mean_days
         FROM ${COMPLAINTS_TABLE}`,
    );
    const outcomes = await this.pool.query<{ outcome: string; n: number }>(
      `SELECT outcome, count(*)::int AS n FROM ${COMPLAINTS_TABLE} WHERE outcome IS NOT NULL GROUP BY outcome ORDER BY outcome`,
    );
    const kinds = await this.pool.query<{ kind: string; n: number }>(`SELECT kind, count(*)::int AS n FROM ${COMPLAINTS_TABLE} GROUP BY kind ORDER BY kind`);
    const per = async (column: 'case_collectors' | 'case_teams') =>
      (
        await this.pool.query<{ k: string; complaints: number; upheld: number }>(
          `SELECT k, count(*)::int AS complaints, count(*) FILTER (WHERE outcome IN ('UPHELD', 'PARTLY_UPHELD'))::int AS upheld
             FROM ${COMPLAINTS_TABLE}, jsonb_array_elements_text(${column}) AS k GROUP BY k ORDER BY k`,
        )
      ).rows;
    const [collectors, teams] = [await per('case_collectors'), await per('case_teams')];
    const r = rows[0];
    return {
      byCollector: collectors.map((c) => ({ collectorId: c.k, complaints: c.complaints, upheld: c.upheld })),
      byTeam: teams.map((c) => ({ team: c.k, complaints: c.complaints, upheld: c.upheld })),
      open: r.open,
      escalatedOpen: r.escalated_open,
      resolved: r.resolved,
      byOutcome: Object.fromEntries(outcomes.rows.map((o) => [o.outcome, o.n])),
      upheldRate: r.resolved ? r.upheld / r.resolved : null,
      resolvedLate: r.late,
      meanDaysToResolve: r.mean_days === null ? null : Math.round(r.mean_days * 100) / 100,
      byKind: Object.fromEntries(kinds.rows.map((k) => [k.kind, k.n])),
    };
  }
}
