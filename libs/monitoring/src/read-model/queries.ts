import type pg from 'pg';
import type { RestatementRow } from './facts.tables.js';
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
    const filters = { strategy_id: q.strategyId, recommendation: q.recommendation, trigger: q.trigger };
    const { rows, total } = await this.page<ReviewRow>('rm_monitoring_reviews', '*', filters, 'as_of DESC, completed_at DESC, review_id', q);
    return { items: rows.map(reviewView), page: q.page, pageSize: q.pageSize, total };
  }

  /** Restated figures (mon_restatements), newest first. */
  async restatements(q: { loanId?: string; caseId?: string; kind?: string; page: number; pageSize: number }) {
    const columns = "restatement_id, kind, loan_id, case_id, cause_event_id, correction, to_char(restated_on, 'YYYY-MM-DD') AS restated_on, before, after";
    const filters = { loan_id: q.loanId, case_id: q.caseId, kind: q.kind };
    const { rows, total } = await this.page<RestatementRow>('mon_restatements', columns, filters, 'restated_on DESC, restatement_id', q);
    const items = rows.map((r) => ({
      restatementId: r.restatement_id,
      kind: r.kind as string,
      loanId: r.loan_id,
      caseId: r.case_id,
      causeEventId: r.cause_event_id,
      correction: r.correction,
      restatedOn: r.restated_on,
      before: r.before,
      after: r.after,
    }));
    return { items, page: q.page, pageSize: q.pageSize, total };
  }

  /** A page of `table`'s rows in `order`, where each filter column given a value equals it, and how many rows match in all. */
  private async page<R extends pg.QueryResultRow>(
    table: string,
    columns: string,
    filters: Readonly<Record<string, string | undefined>>,
    order: string,
    q: { page: number; pageSize: number },
  ): Promise<{ rows: R[]; total: number }> {
    const values: unknown[] = [];
    const where = Object.entries(filters)
      .filter(([, value]) => value)
      .map(([column, value]) => `${column} = $${values.push(value)}`);
    const filter = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const { rows } = await this.pool.query<R>(
      `SELECT ${columns} FROM ${table} ${filter} ORDER BY ${order} LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
      [...values, q.pageSize, (q.page - 1) * q.pageSize],
    );
    const { rows: n } = await this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table} ${filter}`, values);
    return { rows, total: n[0].n };
  }

  async review(reviewId: string) {
    const { rows } = await this.pool.query<ReviewRow>('SELECT * FROM rm_monitoring_reviews WHERE review_id = $1', [reviewId]);
    return rows.length ? reviewView(rows[0]) : null;
  }
}
