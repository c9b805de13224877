import { Inject, Injectable } from '@nestjs/common';
import type pg from 'pg';
import { PG_POOL, ProblemException, problem } from '#platform';
import type { CustomerState } from '../domain/customer.js';
import { diffDocuments, diffPolicies, type PolicyChange } from '../domain/diff.js';
import { CATEGORIES, GRADES, THRESHOLD_GRADES } from '../domain/grades.js';
import type { FactorContribution, PolicyDocument } from '../domain/scorecard.js';
import {
  ACTIVATIONS_TABLE,
  CUSTOMERS_TABLE,
  LOANS_TABLE,
  RUNS_TABLE,
  HISTORY_TABLE,
  LOAN_CLASSES_TABLE,
  LOAN_CLASS_HISTORY_TABLE,
  MOVES_TABLE,
  POLICY_VERSIONS_TABLE,
} from './tables.js';

export interface Page<T> {
  readonly items: T[];
  readonly page: number;
  readonly pageSize: number;
  readonly total: number;
}

export type Kind = 'policy' | 'rules';

const notFound = (code: string, detail: string) =>
  new ProblemException(problem(404, code, code.charAt(0) + code.slice(1).toLowerCase().replaceAll('_', ' '), detail));

/** Parses `id@version`. */
export function parseVersionRef(text: string): { id: string; version: number } | null {
  const m = /^([A-Za-z0-9._:-]{1,64})@([1-9][0-9]{0,8})$/.exec(text);
  return m ? { id: m[1], version: Number(m[2]) } : null;
}

/** "Why is this customer D?": the score, each factor's value and points, and the band it fell in. */
function explain(
  entry: { grade: string; score: number | null; factors: readonly FactorContribution[]; override: { flag: string; action: string } | null },
  document: PolicyDocument | null,
): string {
  if (entry.override) {
    return `${entry.grade}: override "${entry.override.flag}" (${entry.override.action === 'hold' ? 'on hold, no score-based treatment' : `fixed grade ${entry.grade}`}) applied before any score`;
  }
  const parts = entry.factors
    .filter((f) => f.points !== 0)
    .sort((a, b) => a.points - b.points)
    .map((f) => `${f.factor}=${f.value ?? 'unknown'} ${f.points > 0 ? '+' : ''}${f.points}`);
  const base = entry.score === null ? null : entry.score - entry.factors.reduce((s, f) => s + f.points, 0);
  let band = '';
  if (document && entry.score !== null) {
    const t = document.thresholds;
    const i = THRESHOLD_GRADES.indexOf(entry.grade as (typeof THRESHOLD_GRADES)[number]);
    band =
      entry.grade === 'E'
        ? `; E is below the D threshold ${t.D}`
        : `; ${entry.grade} needs ${t[entry.grade as 'A']}${i > 0 ? ` and ${THRESHOLD_GRADES[i - 1]} needs ${t[THRESHOLD_GRADES[i - 1]]}` : ''}`;
  }
  return `${entry.grade}: score ${entry.score} = base ${base}${parts.length ? `, ${parts.join(', ')}` : ''}${band}`;
}

@Injectable()
export class GradingQueries {
  private readonly documents = new Map<string, PolicyDocument>();

  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  private async policyDocument(kind: Kind, id: string, version: number): Promise<PolicyDocument | null> {
    const key = `${kind}:${id}@${version}`;
    if (!this.documents.has(key)) {
      const { rows } = await this.pool.query(`SELECT document FROM ${POLICY_VERSIONS_TABLE} WHERE kind = $1 AND id = $2 AND version = $3`, [kind, id, version]);
      if (!rows.length) return null;
      this.documents.set(key, rows[0].document);
    }
    return this.documents.get(key) ?? null;
  }

  async customer(customerId: string, withProfile: boolean) {
    const [{ rows }, loans, latest] = await Promise.all([
      this.pool.query<{ state: CustomerState; revision: number; updated_at: string }>(
        `SELECT state, revision, updated_at FROM ${CUSTOMERS_TABLE} WHERE customer_id = $1`,
        [customerId],
      ),
      this.pool.query(
        `SELECT l.loan_id, l.balance, l.paid_off, (l.record->>'dpd')::int AS reported_dpd, l.record->>'dpdAsOf' AS dpd_as_of, (l.record->>'delinquent')::boolean AS delinquent,
                c.category, c.rule
           FROM ${LOANS_TABLE} l LEFT JOIN ${LOAN_CLASSES_TABLE} c USING (loan_id) WHERE l.customer_id = $1 ORDER BY l.loan_id`,
        [customerId],
      ),
      this.pool.query(`SELECT * FROM ${HISTORY_TABLE} WHERE customer_id = $1 ORDER BY revision DESC LIMIT 1`, [customerId]),
    ]);
    if (!rows.length && !loans.rows.length) throw notFound('CUSTOMER_NOT_FOUND', `Grading knows no customer ${customerId}.`);
    const state = rows[0]?.state ?? null;
    const h = latest.rows[0];
    const document = h ? await this.policyDocument('policy', h.policy_id, h.policy_version) : null;
    return {
      customerId,
      grade: state?.graded?.grade ?? null,
      score: state?.graded?.score ?? null,
      policy: state?.graded ? { policyId: state.graded.policyId, version: state.graded.policyVersion } : null,
      gradedOn: state?.graded?.asOf ?? null,
      override: h?.override ?? null,
      factors: h?.factors ?? [],
      explanation: h ? explain({ grade: h.grade, score: h.score, factors: h.factors, override: h.override }, document) : null,
      facts: {
        flags: state?.facts.profile?.flags ?? null,
        brokenPromises: state?.facts.promises.filter((p) => p.outcome === 'broken').length ?? 0,
        keptPromises: state?.facts.promises.filter((p) => p.outcome === 'kept').length ?? 0,
        restructurings: state?.facts.restructurings ?? {},
        ...(withProfile ? { profile: state?.facts.profile ?? null } : {}),
      },
      loans: loans.rows.map((l) => ({
        loanId: l.loan_id,
        balance: Number(l.balance),
        paidOff: l.paid_off,
        delinquent: l.delinquent,
        reportedDpd: l.reported_dpd,
        dpdAsOf: l.dpd_as_of,
        category: l.category ?? null,
        rule: l.rule ?? null,
      })),
    };
  }

  async history(customerId: string, page: number, pageSize: number): Promise<Page<unknown>> {
    const [{ rows }, count] = await Promise.all([
      this.pool.query(`SELECT * FROM ${HISTORY_TABLE} WHERE customer_id = $1 ORDER BY revision DESC LIMIT $2 OFFSET $3`, [
        customerId,
        pageSize,
        (page - 1) * pageSize,
      ]),
      this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${HISTORY_TABLE} WHERE customer_id = $1`, [customerId]),
    ]);
    const items = [];
    for (const h of rows) {
      const document = await this.policyDocument('policy', h.policy_id, h.policy_version);
      items.push({
        eventId: h.event_id,
        grade: h.grade,
        previousGrade: h.previous_grade,
        score: h.score,
        factors: h.factors,
        override: h.override,
        policy: { policyId: h.policy_id, version: h.policy_version },
        asOf: h.as_of,
        trigger: { type: h.trigger_type, eventId: h.trigger_event_id },
        recordedAt: h.recorded_at,
        explanation: explain({ grade: h.grade, score: h.score, factors: h.factors, override: h.override }, document),
      });
    }
    return { items, page, pageSize, total: count.rows[0].n };
  }

  async customers(grade: string | undefined, page: number, pageSize: number): Promise<Page<unknown>> {
    const where = grade ? 'WHERE grade = $3' : 'WHERE grade IS NOT NULL';
    const params: unknown[] = [pageSize, (page - 1) * pageSize, ...(grade ? [grade] : [])];
    const [{ rows }, count] = await Promise.all([
      this.pool.query(
        `SELECT customer_id, grade, score, policy_id, policy_version, graded_on FROM ${CUSTOMERS_TABLE} ${where} ORDER BY customer_id LIMIT $1 OFFSET $2`,
        params,
      ),
      this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${CUSTOMERS_TABLE} ${grade ? 'WHERE grade = $1' : 'WHERE grade IS NOT NULL'}`,
        grade ? [grade] : [],
      ),
    ]);
    return {
      items: rows.map((r) => ({
        customerId: r.customer_id,
        grade: r.grade,
        score: r.score,
        policy: { policyId: r.policy_id, version: r.policy_version },
        gradedOn: r.graded_on,
      })),
      page,
      pageSize,
      total: count.rows[0].n,
    };
  }

  /** Customers per grade at the end of each day (or month) from `from` to `to`, from the grade moves. */
  async distribution(from: string, to: string, granularity: 'day' | 'month') {
    const { rows } = await this.pool.query<{ as_of: string; grade: string; delta: number }>(
      `SELECT as_of, grade, delta FROM ${MOVES_TABLE} WHERE as_of <= $1 ORDER BY as_of`,
      [to],
    );
    const counts: Record<string, number> = Object.fromEntries(GRADES.map((g) => [g, 0]));
    const label = (date: string) => (granularity === 'day' ? date : date.slice(0, 7));
    const points: Array<{ date: string; counts: Record<string, number>; total: number }> = [];
    const record = (date: string) => {
      const point = { date: label(date), counts: { ...counts }, total: Object.values(counts).reduce((s, n) => s + n, 0) };
      // Within a month, the last day's counts stand for the month.
      if (points.length && points[points.length - 1].date === point.date) points[points.length - 1] = point;
      else points.push(point);
    };
    let i = 0;
    for (; i < rows.length && rows[i].as_of < from; i++) counts[rows[i].grade] += rows[i].delta;
    record(from);
    while (i < rows.length) {
      const date = rows[i].as_of;
      for (; i < rows.length && rows[i].as_of === date; i++) counts[rows[i].grade] += rows[i].delta;
      record(date);
    }
    return { from, to, granularity, points };
  }

  async versions(kind: Kind, status: string | undefined, page: number, pageSize: number): Promise<Page<unknown>> {
    const params: unknown[] = [kind, pageSize, (page - 1) * pageSize, ...(status ? [status] : [])];
    const [{ rows }, count] = await Promise.all([
      this.pool.query(
        `SELECT kind, id, version, status, reason, proposed_by, proposed_on, reviewed_by, review_note, effective_from, retired_on, retired_reason, superseded_by
           FROM ${POLICY_VERSIONS_TABLE} WHERE kind = $1 ${status ? 'AND status = $4' : ''} ORDER BY proposed_at DESC, id, version DESC LIMIT $2 OFFSET $3`,
        params,
      ),
      this.pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ${POLICY_VERSIONS_TABLE} WHERE kind = $1 ${status ? 'AND status = $2' : ''}`,
        status ? [kind, status] : [kind],
      ),
    ]);
    return { items: rows.map(versionView), page, pageSize, total: count.rows[0].n };
  }

  async policy(kind: Kind, id: string) {
    const { rows } = await this.pool.query(`SELECT * FROM ${POLICY_VERSIONS_TABLE} WHERE kind = $1 AND id = $2 ORDER BY version DESC`, [kind, id]);
    if (!rows.length)
      throw notFound(kind === 'policy' ? 'POLICY_NOT_FOUND' : 'RULES_NOT_FOUND', `No ${kind === 'policy' ? 'grading policy' : 'classification rules'} ${id}.`);
    return { id, kind, status: rows[0].status, latestVersion: rows[0].version, versions: rows.map((r) => ({ ...versionView(r), document: r.document })) };
  }

  async version(kind: Kind, id: string, version: number) {
    const { rows } = await this.pool.query(`SELECT * FROM ${POLICY_VERSIONS_TABLE} WHERE kind = $1 AND id = $2 AND version = $3`, [kind, id, version]);
    if (!rows.length) throw notFound(kind === 'policy' ? 'POLICY_NOT_FOUND' : 'RULES_NOT_FOUND', `No version ${version} of ${id}.`);
    return { ...versionView(rows[0]), document: rows[0].document };
  }

  async diff(
    kind: Kind,
    from: { id: string; version: number },
    to: { id: string; version: number },
  ): Promise<{ from: unknown; to: unknown; changes: PolicyChange[] }> {
    const [a, b] = await Promise.all([this.version(kind, from.id, from.version), this.version(kind, to.id, to.version)]);
    const changes = kind === 'policy' ? diffPolicies(a.document as PolicyDocument, b.document as PolicyDocument) : diffDocuments(a.document, b.document);
    return { from: { id: from.id, version: from.version, status: a.status }, to: { id: to.id, version: to.version, status: b.status }, changes };
  }

  async active(kind: Kind) {
    const { rows } = await this.pool.query(`SELECT * FROM ${ACTIVATIONS_TABLE} WHERE kind = $1 ORDER BY seq DESC`, [kind]);
    const current = rows[0];
    return {
      kind,
      active: current?.active_id ? { id: current.active_id, version: current.active_version, effectiveFrom: current.effective_from } : null,
      history: rows.map((r) => ({
        active: r.active_id ? { id: r.active_id, version: r.active_version, effectiveFrom: r.effective_from } : null,
        previous: r.previous,
        changedBy: r.activated_by,
        recordedAt: r.recorded_at,
      })),
    };
  }

  async loanClassification(loanId: string) {
    const [{ rows }, history] = await Promise.all([
      this.pool.query(`SELECT * FROM ${LOAN_CLASSES_TABLE} WHERE loan_id = $1`, [loanId]),
      this.pool.query(`SELECT * FROM ${LOAN_CLASS_HISTORY_TABLE} WHERE loan_id = $1 ORDER BY revision DESC LIMIT 100`, [loanId]),
    ]);
    if (!rows.length) throw notFound('LOAN_NOT_CLASSIFIED', `Loan ${loanId} has no classification.`);
    const r = rows[0];
    return {
      loanId,
      customerId: r.customer_id,
      category: r.category,
      previous: r.previous,
      rule: r.rule,
      rulesVersion: r.rules_version,
      dpd: r.dpd,
      observation: r.observation,
      asOf: r.as_of,
      history: history.rows.map((h) => ({
        eventId: h.event_id,
        category: h.category,
        previous: h.previous,
        rule: h.rule,
        rulesVersion: h.rules_version,
        dpd: h.dpd,
        asOf: h.as_of,
        trigger: { type: h.trigger_type, eventId: h.trigger_event_id },
      })),
    };
  }

  async loanClassifications(filter: { category?: string; customerId?: string }, page: number, pageSize: number): Promise<Page<unknown>> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.category) clauses.push(`c.category = $${params.push(filter.category)}`);
    if (filter.customerId) clauses.push(`c.customer_id = $${params.push(filter.customerId)}`);
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const [{ rows }, count] = await Promise.all([
      this.pool.query(
        `SELECT c.loan_id, c.customer_id, c.category, c.previous, c.rule, c.rules_version, c.dpd, c.as_of, l.balance
           FROM ${LOAN_CLASSES_TABLE} c LEFT JOIN ${LOANS_TABLE} l USING (loan_id) ${where} ORDER BY c.loan_id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
        [...params, pageSize, (page - 1) * pageSize],
      ),
      this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${LOAN_CLASSES_TABLE} c ${where}`, params),
    ]);
    return {
      items: rows.map((r) => ({
        loanId: r.loan_id,
        customerId: r.customer_id,
        category: r.category,
        previous: r.previous,
        rule: r.rule,
        rulesVersion: r.rules_version,
        dpd: r.dpd,
        asOf: r.as_of,
        balance: r.balance === null ? null : Number(r.balance),
      })),
      page,
      pageSize,
      total: count.rows[0].n,
    };
  }

  /** The portfolio's five-category summary (loans not paid off): count and outstanding balance. */
  async classificationSummary() {
    const { rows } = await this.pool.query<{ category: string; loans: number; balance: string }>(
      `SELECT c.category, count(*)::int AS loans, coalesce(sum(l.balance), 0)::text AS balance
         FROM ${LOAN_CLASSES_TABLE} c JOIN ${LOANS_TABLE} l USING (loan_id) WHERE NOT l.paid_off GROUP BY c.category`,
    );
    const by = new Map(rows.map((r) => [r.category, r]));
    const categories = CATEGORIES.map((category) => ({ category, loans: by.get(category)?.loans ?? 0, balance: Number(by.get(category)?.balance ?? 0) }));
    return { categories, totals: { loans: categories.reduce((s, c) => s + c.loans, 0), balance: categories.reduce((s, c) => s + c.balance, 0) } };
  }

  async runs(page: number, pageSize: number): Promise<Page<unknown>> {
    const [{ rows }, count] = await Promise.all([
      this.pool.query(`SELECT * FROM ${RUNS_TABLE} ORDER BY started_commit DESC, started_prepare DESC LIMIT $1 OFFSET $2`, [pageSize, (page - 1) * pageSize]),
      this.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${RUNS_TABLE}`),
    ]);
    return { items: rows.map(runView), page, pageSize, total: count.rows[0].n };
  }

  async run(runId: string) {
    const { rows } = await this.pool.query(`SELECT * FROM ${RUNS_TABLE} WHERE run_id = $1`, [runId]);
    if (!rows.length) throw notFound('RUN_NOT_FOUND', `No portfolio run ${runId} (yet).`);
    return runView(rows[0]);
  }
}

/** A row of rm_grading_policy_versions. */
interface VersionRow {
  readonly id: string;
  readonly version: number;
  readonly status: string;
  readonly reason: string;
  readonly proposed_by: string;
  readonly proposed_on: string;
  readonly reviewed_by: string | null;
  readonly review_note: string | null;
  readonly effective_from: string | null;
  readonly retired_on: string | null;
  readonly retired_reason: string | null;
  readonly superseded_by: { readonly version: number; readonly policyId?: string; readonly rulesetId?: string } | null;
}

/** A row of rm_grading_runs. */
interface RunRow {
  readonly run_id: string;
  readonly kind: string;
  readonly as_of: string;
  readonly status: string;
  readonly cause: Record<string, unknown>;
  readonly requested_by: string;
  readonly started_at: string;
  readonly updated_at: string;
  readonly cursor: string | null;
  readonly processed: number;
  readonly changed: number;
  readonly total: number | null;
  readonly superseded_by: string | null;
}

function versionView(r: VersionRow) {
  return {
    id: r.id,
    version: r.version,
    status: r.status,
    reason: r.reason,
    proposedBy: r.proposed_by,
    proposedOn: r.proposed_on,
    reviewedBy: r.reviewed_by ?? null,
    reviewNote: r.review_note ?? null,
    effectiveFrom: r.effective_from ?? null,
    retiredOn: r.retired_on ?? null,
    retiredReason: r.retired_reason ?? null,
    supersededBy: r.superseded_by ?? null,
  };
}

function runView(r: RunRow) {
  const total = r.total === null ? null : Number(r.total);
  return {
    runId: r.run_id,
    kind: r.kind,
    asOf: r.as_of,
    status: r.status,
    cause: r.cause,
    requestedBy: r.requested_by,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    cursor: r.cursor,
    processed: r.processed,
    changed: r.changed,
    total,
    progressBps: total ? Math.min(10_000, Math.floor((r.processed * 10_000) / total)) : r.status === 'running' ? 0 : 10_000,
    supersededBy: r.superseded_by,
  };
}
