import type pg from 'pg';
import type { BusinessDate } from '#kernel';
import { periods, type Granularity, type Period } from './periods.js';
import { CONTACT_OUTCOMES, DIMENSION_COLUMNS, KPIS, RIGHT_PARTY_OUTCOMES, type Dimension, type KpiDefinition, type KpiName } from './kpi-definitions.js';
import { nextStage, STAGES, type Stage } from '../domain/observations.js';

/** Anything that runs SQL: the pool (HTTP queries) or a projection batch's transaction. */
export interface Sql {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

/** Where a fact table is read: its view (queries) or the physical table of a batch's generation. */
export type TableName = (table: string) => string;

export type Filters = Partial<Record<Dimension, string | number>>;

export interface KpiQuery {
  readonly kpi: KpiName;
  readonly from: BusinessDate;
  readonly to: BusinessDate;
  readonly granularity: Granularity;
  readonly groupBy?: readonly Dimension[];
  readonly filters?: Filters;
}

interface KpiRow {
  readonly period: string;
  readonly periodStart: BusinessDate;
  readonly periodEnd: BusinessDate;
  readonly numerator: number;
  readonly denominator: number;
  /** numerator ÷ denominator, null when the denominator is 0. */
  readonly rate: number | null;
  readonly [field: string]: unknown;
}

export interface KpiResult {
  readonly kpi: KpiName;
  readonly definition: Pick<KpiDefinition, 'title' | 'numerator' | 'denominator' | 'window' | 'slices'>;
  readonly from: BusinessDate;
  readonly to: BusinessDate;
  readonly granularity: Granularity;
  readonly groupBy: readonly Dimension[];
  readonly filters: Filters;
  readonly rows: readonly KpiRow[];
}

export class KpiSliceError extends Error {
  constructor(
    readonly kpi: KpiName,
    readonly dimension: Dimension,
  ) {
    super(`${kpi} cannot be sliced by ${dimension} (it can by: ${KPIS[kpi].dimensions.join(', ') || 'nothing'})`);
  }
}

const list = (values: readonly string[]) => `ARRAY[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(', ')}]::text[]`;

const NEXT_STAGE_SQL = `CASE s0.stage ${STAGES.map((s) => `WHEN '${s}' THEN '${nextStage(s as Stage)}'`).join(' ')} END`;

/** The unit rows of each KPI: one per loan, case, attempt, promise, plan... and period. */
function unitSql(kpi: KpiName, t: TableName): string {
  const S = t('mon_loan_stages');
  const L = t('mon_loans');
  const P = t('mon_payments');
  const C = t('mon_cases');
  const G = t('mon_grades');
  const at = (alias: string, x: string) => `${alias}.from_date <= ${x} AND (${alias}.to_date IS NULL OR ${alias}.to_date > ${x})`;
  const balance = (loan: string, x: string) =>
    `(l.principal_fen - coalesce((SELECT sum(x.principal_fen) FROM ${P} x WHERE x.loan_id = ${loan} AND x.business_date <= ${x}
       AND (x.reversed_on IS NULL OR x.reversed_on > ${x})), 0))`;
  const caseAt = (loan: string, x: string) =>
    `LEFT JOIN LATERAL (SELECT c.* FROM ${C} c WHERE c.loan_id = ${loan} AND c.opened_on <= ${x} AND (c.closed_on IS NULL OR c.closed_on > ${x})
       ORDER BY c.opened_on DESC LIMIT 1) c ON true`;
  const caseDims = `c.strategy_id, c.strategy_version, c.variant, c.grade, c.stage_at_entry AS stage, c.collector_id, NULL::text AS channel`;
  const rowDims = (a: string) => `${a}.strategy_id, ${a}.strategy_version, ${a}.variant, ${a}.grade, ${a}.stage, ${a}.collector_id`;
  switch (kpi) {
    case 'aging':
      return `SELECT p.label, c.strategy_id, c.strategy_version, c.variant, g.grade, s.stage, c.collector_id, NULL::text AS channel,
                1 AS loans, ${balance('s.loan_id', 'p.end_d')} AS balance_fen
              FROM p JOIN ${S} s ON ${at('s', 'p.end_d')}
              JOIN ${L} l ON l.loan_id = s.loan_id
              LEFT JOIN ${G} g ON g.customer_id = s.customer_id AND ${at('g', 'p.end_d')}
              ${caseAt('s.loan_id', 'p.end_d')}
              WHERE s.stage NOT IN ('PAID_OFF', 'WRITTEN_OFF')`;
    case 'roll_rate':
      return `SELECT p.label, c.strategy_id, c.strategy_version, c.variant, g.grade, s0.stage, c.collector_id, NULL::text AS channel,
                1 AS loans,
                (s1.stage = ${NEXT_STAGE_SQL})::int AS rolled,
                (s1.stage = 'WRITTEN_OFF')::int AS written_off,
                ${balance('s0.loan_id', '(p.start_d - 1)')} AS balance_fen,
                CASE WHEN s1.stage = ${NEXT_STAGE_SQL} THEN ${balance('s0.loan_id', 'p.end_d')} ELSE 0 END AS rolled_balance_fen
              FROM p JOIN ${S} s0 ON ${at('s0', '(p.start_d - 1)')}
              JOIN ${S} s1 ON s1.loan_id = s0.loan_id AND ${at('s1', 'p.end_d')}
              JOIN ${L} l ON l.loan_id = s0.loan_id
              LEFT JOIN ${G} g ON g.customer_id = s0.customer_id AND ${at('g', '(p.start_d - 1)')}
              ${caseAt('s0.loan_id', '(p.start_d - 1)')}
              WHERE s0.stage NOT IN ('PAID_OFF', 'WRITTEN_OFF')`;
    case 'entry_rate':
      return `SELECT p.label, NULL::text AS strategy_id, NULL::int AS strategy_version, NULL::text AS variant, g.grade, s0.stage,
                NULL::text AS collector_id, NULL::text AS channel,
                1 AS loans,
                EXISTS (SELECT 1 FROM ${C} c WHERE c.loan_id = s0.loan_id AND c.opened_on BETWEEN p.start_d AND p.end_d)::int AS entered
              FROM p JOIN ${S} s0 ON ${at('s0', '(p.start_d - 1)')} AND s0.stage = 'M0'
              LEFT JOIN ${G} g ON g.customer_id = s0.customer_id AND ${at('g', '(p.start_d - 1)')}`;
    case 'cure_rate':
      return `SELECT p.label, ${caseDims}, 1 AS cases, (c.cured_on IS NOT NULL AND c.cured_on <= $4::date)::int AS cured
              FROM p JOIN ${C} c ON c.opened_on BETWEEN p.start_d AND p.end_d`;
    case 'recovery_rate':
      // Collected: payments while the case was open, plus, for the case closed WRITTEN_OFF, what
      // Loans recovered on its loan after the write-off (RecoveryReceived), both recorded by `to`.
      return `SELECT p.label, ${caseDims}, 1 AS cases, c.overdue_at_entry_fen AS overdue_fen,
                coalesce(x.collected, 0) + coalesce(w.recovered, 0) AS collected_fen,
                LEAST(c.overdue_at_entry_fen, coalesce(x.collected, 0) + coalesce(w.recovered, 0)) AS recovered_fen,
                coalesce(w.recovered, 0) AS after_write_off_fen
              FROM p JOIN ${C} c ON c.opened_on BETWEEN p.start_d AND p.end_d
              LEFT JOIN LATERAL (SELECT sum(x.amount_fen) AS collected FROM ${P} x WHERE x.case_id = c.case_id AND x.business_date <= $4::date
                AND (x.reversed_on IS NULL OR x.reversed_on > $4::date)) x ON true
              LEFT JOIN LATERAL (SELECT sum(x.amount_fen) AS recovered FROM ${P} x WHERE c.close_reason = 'WRITTEN_OFF' AND x.loan_id = c.loan_id
                AND x.recovery AND x.business_date <= $4::date) w ON true`;
    case 'contact_rate':
    case 'right_party_contact_rate':
    case 'promise_to_pay_rate':
      return `SELECT p.label, ${rowDims('k')}, k.channel,
                1 AS attempts,
                (k.outcome = ANY (${list(CONTACT_OUTCOMES)}))::int AS contacts,
                (k.party = 'DEBTOR' AND k.outcome = ANY (${list(RIGHT_PARTY_OUTCOMES)}))::int AS right_party_contacts,
                (k.party = 'DEBTOR' AND k.outcome = 'PROMISE_TO_PAY')::int AS promises
              FROM p JOIN ${t('mon_contacts')} k ON k.attempted_on BETWEEN p.start_d AND p.end_d`;
    case 'promise_kept_rate':
      return `SELECT p.label, ${rowDims('r')}, NULL::text AS channel, 1 AS resolved, (r.status = 'KEPT')::int AS kept
              FROM p JOIN ${t('mon_promises')} r ON r.resolved_on BETWEEN p.start_d AND p.end_d AND r.status IN ('KEPT', 'BROKEN')`;
    case 'restructuring_success_rate':
      return `SELECT p.label, ${rowDims('r')}, NULL::text AS channel, 1 AS ended, (r.outcome = 'COMPLETED')::int AS completed
              FROM p JOIN ${t('mon_restructurings')} r ON r.ended_on BETWEEN p.start_d AND p.end_d AND r.type IS DISTINCT FROM 'FEE_WAIVER'`;
    case 'disputes_complaints':
      return `SELECT p.label, ${caseDims}, 1 AS active_cases, coalesce(d.disputes, 0) AS disputes, coalesce(d.complaints, 0) AS complaints,
                (coalesce(d.disputes, 0) + coalesce(d.complaints, 0) > 0)::int AS cases_with_either
              FROM p JOIN ${C} c ON c.opened_on <= p.end_d AND (c.closed_on IS NULL OR c.closed_on >= p.start_d)
              LEFT JOIN LATERAL (SELECT count(*) FILTER (WHERE d.type = 'DISPUTE') AS disputes, count(*) FILTER (WHERE d.type = 'COMPLAINT') AS complaints
                FROM ${t('mon_disputes')} d WHERE d.case_id = c.case_id AND d.raised_on BETWEEN p.start_d AND p.end_d) d ON true`;
    case 'complaints_per_1000_contacts':
      return `SELECT p.label, ${rowDims('k')}, NULL::text AS channel, 1 AS attempts, 0 AS complaints, 0 AS upheld, 0 AS disputes
              FROM p JOIN ${t('mon_contacts')} k ON k.attempted_on BETWEEN p.start_d AND p.end_d
              UNION ALL
              SELECT p.label, ${rowDims('d')}, NULL::text AS channel, 0, (d.type = 'COMPLAINT')::int,
                (d.type = 'COMPLAINT' AND d.outcome IN ('UPHELD', 'PARTLY_UPHELD'))::int, (d.type = 'DISPUTE')::int
              FROM p JOIN ${t('mon_disputes')} d ON d.raised_on BETWEEN p.start_d AND p.end_d`;
    case 'self_cure_rate':
      // The first cure or plan by `to`; self-cured when no call or visit on the case came on or before it.
      return `SELECT p.label, ${caseDims}, 1 AS cases, (x.cured_at IS NOT NULL)::int AS cured_or_plan,
                (x.cured_at IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${t('mon_contacts')} k WHERE k.case_id = c.case_id
                  AND k.channel IN ('CALL', 'FIELD_VISIT') AND k.attempted_on <= x.cured_at))::int AS self_cured
              FROM p JOIN ${C} c ON c.opened_on BETWEEN p.start_d AND p.end_d
              LEFT JOIN LATERAL (SELECT least(CASE WHEN c.cured_on <= $4::date THEN c.cured_on END,
                (SELECT min(r.activated_on) FROM ${t('mon_restructurings')} r WHERE r.case_id = c.case_id AND r.activated_on <= $4::date
                  AND r.type IS DISTINCT FROM 'FEE_WAIVER')) AS cured_at) x ON true`;
    case 'outreach_on_time_rate':
      // Intent to treat: an installment is outreached when a track was started towards it, whatever was then sent.
      return `SELECT p.label, o.strategy_id, o.strategy_version, o.variant, g.grade, 'M0'::text AS stage, NULL::text AS collector_id, NULL::text AS channel,
                1 AS installments, (coalesce(x.paid, 0) >= i.owed_fen)::int AS on_time,
                (o.track_id IS NOT NULL)::int AS outreached, (o.track_id IS NOT NULL AND coalesce(x.paid, 0) >= i.owed_fen)::int AS outreached_on_time,
                (o.track_id IS NOT NULL OR w.warned)::int AS warned, ((o.track_id IS NOT NULL OR w.warned) AND coalesce(x.paid, 0) >= i.owed_fen)::int AS warned_on_time
              FROM p JOIN ${t('mon_installments')} i ON i.due_date BETWEEN p.start_d AND p.end_d AND (i.replaced_on IS NULL OR i.replaced_on > i.due_date)
              JOIN ${S} s ON s.loan_id = i.loan_id AND s.stage = 'M0' AND ${at('s', '(i.due_date - 1)')}
              LEFT JOIN LATERAL (SELECT o.* FROM ${t('mon_outreach')} o WHERE o.loan_id = i.loan_id AND o.due_date = i.due_date AND o.started_on <= i.due_date
                ORDER BY o.started_on, o.track_id LIMIT 1) o ON true
              LEFT JOIN ${G} g ON g.customer_id = i.customer_id AND ${at('g', '(i.due_date - 1)')}
              LEFT JOIN LATERAL (SELECT true AS warned FROM ${t('mon_warnings')} w WHERE w.customer_id = i.customer_id AND w.started_on <= i.due_date - 1
                AND (w.closed_on IS NULL OR w.closed_on > i.due_date - 1) LIMIT 1) w ON true
              LEFT JOIN LATERAL (SELECT sum(pp.paid_fen) AS paid FROM ${t('mon_payment_parts')} pp JOIN ${P} x ON x.payment_id = pp.payment_id
                WHERE pp.loan_id = i.loan_id AND pp.seq = i.seq AND x.business_date <= i.due_date AND (x.reversed_on IS NULL OR x.reversed_on > $4::date)) x ON true`;
  }
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

function ratio(n: number, d: number): number | null {
  return d > 0 ? n / d : null;
}

/** KPIs computed by SQL over the fact tables at query time, for any range, granularity and slice. */
export class KpiQueries {
  constructor(
    private readonly sql: Sql,
    private readonly table: TableName = (t) => t,
  ) {}

  async run(q: KpiQuery): Promise<KpiResult> {
    const def = KPIS[q.kpi];
    const filters = q.filters ?? {};
    const asked = q.groupBy ?? [];
    for (const d of [...asked, ...(Object.keys(filters) as Dimension[])]) {
      if (!def.dimensions.includes(d)) throw new KpiSliceError(q.kpi, d);
    }
    const groupBy = [...new Set([...def.alwaysBy, ...asked])];
    const ps = periods(q.from, q.to, q.granularity);
    const values: unknown[] = [ps.map((p) => p.label), ps.map((p) => p.start), ps.map((p) => p.end), q.to];
    const where: string[] = [];
    for (const [dim, value] of Object.entries(filters) as [Dimension, string | number][]) {
      if (value === undefined) continue;
      values.push(value);
      where.push(`u.${DIMENSION_COLUMNS[dim]} = $${values.length}${dim === 'strategyVersion' ? '::int' : '::text'}`);
    }
    const cols = groupBy.map((d) => `u.${DIMENSION_COLUMNS[d]}`);
    const text = `
      WITH p AS (SELECT p.*, $4::date AS as_of FROM unnest($1::text[], $2::date[], $3::date[]) AS p(label, start_d, end_d)),
      u AS (${unitSql(q.kpi, this.table)})
      SELECT u.label, ${cols.map((c) => `${c}, `).join('')}${def.measures.map((m) => `coalesce(sum(u.${m}), 0)::bigint AS ${m}`).join(', ')}
        FROM u ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       GROUP BY u.label${cols.map((c) => `, ${c}`).join('')}
       ORDER BY u.label${cols.map((c) => `, ${c} NULLS FIRST`).join('')}`;
    const { rows } = await this.sql.query<Record<string, unknown>>(text, values);
    const byLabel = new Map<string, Period>(ps.map((p) => [p.label, p]));
    const out: KpiRow[] = rows.map((r) => {
      const p = byLabel.get(String(r.label))!;
      const row: Record<string, unknown> = { period: p.label, periodStart: p.start, periodEnd: p.end };
      for (const d of groupBy) row[d] = r[DIMENSION_COLUMNS[d]] ?? null;
      for (const m of def.measures) row[camel(m)] = Number(r[m]);
      const numerator = Number(r[def.numeratorMeasure]);
      const denominator = Number(r[def.denominatorMeasure]);
      row.numerator = numerator;
      row.denominator = denominator;
      row.rate = ratio(numerator, denominator);
      if (q.kpi === 'complaints_per_1000_contacts') {
        row.perThousand = row.rate === null ? null : Number(row.rate) * 1000;
        row.upheldPerThousand = denominator > 0 ? (Number(r.upheld) * 1000) / denominator : null;
      }
      if (q.kpi === 'outreach_on_time_rate') {
        const outreached = Number(r.outreached);
        const onTimeOutreached = Number(r.outreached_on_time);
        row.rateWithOutreach = ratio(onTimeOutreached, outreached);
        row.rateWithoutOutreach = ratio(numerator - onTimeOutreached, denominator - outreached);
        row.rateWarnedWithoutOutreach = ratio(Number(r.warned_on_time) - onTimeOutreached, Number(r.warned) - outreached);
      }
      if (q.kpi === 'roll_rate') {
        row.toStage = nextStage(row.stage as Stage);
        row.balanceRate = ratio(Number(r.rolled_balance_fen), Number(r.balance_fen));
        row.writeOffRate = ratio(Number(r.written_off), Number(r.loans));
      }
      return row as KpiRow;
    });
    if (q.kpi === 'aging') return { ...this.envelope(q, def, groupBy, filters), rows: withShares(out, groupBy) };
    return { ...this.envelope(q, def, groupBy, filters), rows: out };
  }

  private envelope(q: KpiQuery, def: KpiDefinition, groupBy: Dimension[], filters: Filters) {
    const { title, numerator, denominator, window, slices } = def;
    return { kpi: q.kpi, definition: { title, numerator, denominator, window, slices }, from: q.from, to: q.to, granularity: q.granularity, groupBy, filters };
  }
}

/** Aging rows: the denominator is every loan of the period in the same slice, whatever its stage. */
function withShares(rows: KpiRow[], groupBy: readonly Dimension[]): KpiRow[] {
  const others = groupBy.filter((d) => d !== 'stage');
  const keyOf = (r: KpiRow) => JSON.stringify([r.period, ...others.map((d) => r[d])]);
  const totals = new Map<string, number>();
  for (const r of rows) totals.set(keyOf(r), (totals.get(keyOf(r)) ?? 0) + r.numerator);
  return rows.map((r) => {
    const denominator = totals.get(keyOf(r)) ?? 0;
    return { ...r, denominator, rate: ratio(r.numerator, denominator) };
  });
}
