import type pg from 'pg';
import type { WarningRow, ReviewRow } from './warnings.projection.js';

export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

function warningView(r: WarningRow) {
  return {
    customerId: r.customer_id,
    episode: r.episode,
    status: r.status,
    severity: r.severity,
    score: r.score,
    ruleSetVersion: r.rule_set_version,
    signals: r.signals,
    startedOn: r.started_on,
    lastRaisedOn: r.last_raised_on,
    closedOn: r.closed_on,
    raisedCount: r.raised_count,
  };
}
export type WarningView = ReturnType<typeof warningView>;

function reviewView(r: ReviewRow) {
  return { ...r.review, completedAt: r.completed_at };
}

/** Dashboard queries over monitoring's read models (warnings, reviews). */
export class MonitoringQueries {
  constructor(private readonly pool: pg.Pool) {}

  async warnings(q: {
    status?: 'OPEN' | 'CLOSED';
    severity?: string;
    customerId?: string;
    from?: string;
    to?: string;
    page: number;
    pageSize: number;
  }): Promise<Page<WarningView>> {
    const where: string[] = [];
    const values: unknown[] = [];
    const add = (sql: string, v: unknown) => {
      values.push(v);
      where.push(sql.replace('?', `$${values.length}`));
    };
    if (q.status) add('status = ?', q.status);
    if (q.severity) add('severity = ?', q.severity);
    if (q.customerId) add('customer_id = ?', q.customerId);
    if (q.from) add('last_raised_on >= ?', q.from);
    if (q.to) add('started_on <= ?', q.to);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { rows } = await this.pool.query<WarningRow & { total: number }>(
      `SELECT *, count(*) OVER ()::int AS total FROM rm_monitoring_warnings ${filter}
        ORDER BY CASE severity WHEN 'HIGH' THEN 0 WHEN 'MEDIUM' THEN 1 ELSE 2 END, last_raised_on DESC, customer_id, episode DESC
        LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, q.pageSize, (q.page - 1) * q.pageSize],
    );
    return { items: rows.map(warningView), page: q.page, pageSize: q.pageSize, total: rows[0]?.total ?? (q.page > 1 ? await this.count(filter, values) : 0) };
  }

  private async count(filter: string, values: unknown[]): Promise<number> {
    const { rows } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM rm_monitoring_warnings ${filter}`, values);
    return rows[0].n;
  }

  async reviews(q: {
    strategyId?: string;
    recommendation?: string;
    trigger?: string;
    page: number;
    pageSize: number;
  }): Promise<Page<ReturnType<typeof reviewView>>> {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.strategyId) where.push(`strategy_id = $${values.push(q.strategyId)}`);
    if (q.recommendation) where.push(`recommendation = $${values.push(q.recommendation)}`);
    if (q.trigger) where.push(`trigger = $${values.push(q.trigger)}`);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { rows } = await this.pool.query<ReviewRow>(
      `SELECT * FROM rm_monitoring_reviews ${filter} ORDER BY as_of DESC, completed_at DESC, review_id LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, q.pageSize, (q.page - 1) * q.pageSize],
    );
    const { rows: n } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM rm_monitoring_reviews ${filter}`, values);
    return { items: rows.map(reviewView), page: q.page, pageSize: q.pageSize, total: n[0].n };
  }

  /** Restated figures (mon_restatements), newest first. */
  async restatements(q: { loanId?: string; caseId?: string; kind?: string; page: number; pageSize: number }) {
    const where: string[] = [];
    const values: unknown[] = [];
    if (q.loanId) where.push(`loan_id = $${values.push(q.loanId)}`);
    if (q.caseId) where.push(`case_id = $${values.push(q.caseId)}`);
    if (q.kind) where.push(`kind = $${values.push(q.kind)}`);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { rows } = await this.pool.query<{
      restatement_id: string;
      kind: string;
      loan_id: string | null;
      case_id: string | null;
      cause_event_id: string;
      correction: unknown;
      restated_on: string;
      before: unknown;
      after: unknown;
    }>(
      `SELECT restatement_id, kind, loan_id, case_id, cause_event_id, correction, to_char(restated_on, 'YYYY-MM-DD') AS restated_on, before, after
         FROM mon_restatements ${filter} ORDER BY restated_on DESC, restatement_id LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, q.pageSize, (q.page - 1) * q.pageSize],
    );
    const { rows: n } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM mon_restatements ${filter}`, values);
    const items = rows.map((r) => ({
      restatementId: r.restatement_id,
      kind: r.kind,
      loanId: r.loan_id,
      caseId: r.case_id,
      causeEventId: r.cause_event_id,
      correction: r.correction,
      restatedOn: r.restated_on,
      before: r.before,
      after: r.after,
    }));
    return { items, page: q.page, pageSize: q.pageSize, total: n[0].n };
  }

  async review(reviewId: string) {
    const { rows } = await this.pool.query<ReviewRow>('SELECT * FROM rm_monitoring_reviews WHERE review_id = $1', [reviewId]);
    return rows.length ? reviewView(rows[0]) : null;
  }
}
