import { STRATEGY_ID, type SimApi, type SimPrincipal, type SimulationResult } from './simulate.js';

/**
 * The KPI report at the end of a simulation, read back through the monitoring API (the same
 * figures a risk manager sees): aging at the last day, monthly roll rates, and cure, promise-kept
 * and recovery rates by strategy variant, plus the champion/challenger review and plan outcomes.
 */

const ANALYST: SimPrincipal = { role: 'risk_manager', user: 'rm-1' };

interface KpiRow {
  readonly period: string;
  readonly stage?: string;
  readonly variant?: string | null;
  readonly numerator: number;
  readonly denominator: number;
  readonly rate: number | null;
  readonly [measure: string]: unknown;
}

export interface KpiReport {
  readonly aging: readonly { stage: string; loans: number; share: number | null }[];
  readonly rollRates: readonly { period: string; from: string; to: string; rolled: number; of: number; rate: number | null }[];
  readonly byVariant: readonly {
    variant: string;
    cases: number;
    cureRate: number | null;
    promiseKeptRate: number | null;
    recoveryRate: number | null;
    collectedFen: number;
  }[];
  readonly byGrade: readonly { grade: string; cases: number; cureRate: number | null }[];
  readonly review: { readonly better: string | null; readonly pValue: number | null; readonly recommendation: string } | null;
  /** Every review Monitoring holds (scheduled by its cadence, or asked for), newest first. */
  readonly reviews: readonly {
    readonly reviewId: string;
    readonly asOf: string;
    readonly trigger: string;
    readonly better: string | null;
    readonly pValue: number | null;
    readonly recommendation: string;
  }[];
  readonly plans: { readonly activated: number; readonly active: number; readonly broken: number; readonly completed: number };
}

const pct = (rate: number | null | undefined) => (rate === null || rate === undefined ? '   n/a' : `${(rate * 100).toFixed(1).padStart(5)}%`);
const yuan = (fen: number) => (fen / 100).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export async function kpiReport(api: SimApi, result: SimulationResult): Promise<KpiReport> {
  const { start } = result.options;
  const end = result.end;
  const kpi = async (name: string, query: string): Promise<KpiRow[]> => {
    const res = await api(ANALYST, 'GET', `/monitoring/kpis/${name}?${query}`);
    if (res.status !== 200) throw new Error(`${name}: HTTP ${res.status} ${JSON.stringify(res.body)}`);
    return res.body.rows as KpiRow[];
  };
  const window = `from=${start}&to=${end}`;
  const [aging, rolls, cures, promises, recovery, curesByGrade] = await Promise.all([
    kpi('aging', `from=${end}&to=${end}&granularity=total`),
    kpi('roll_rate', `${window}&granularity=month`),
    kpi('cure_rate', `${window}&granularity=total&groupBy=variant&strategyId=${STRATEGY_ID}`),
    kpi('promise_kept_rate', `${window}&granularity=total&groupBy=variant&strategyId=${STRATEGY_ID}`),
    kpi('recovery_rate', `${window}&granularity=total&groupBy=variant&strategyId=${STRATEGY_ID}`),
    kpi('cure_rate', `${window}&granularity=total&groupBy=grade`),
  ]);
  const variants = [...new Set([...cures, ...promises, ...recovery].map((r) => r.variant ?? 'none'))].sort();
  const find = (rows: KpiRow[], variant: string) => rows.find((r) => (r.variant ?? 'none') === variant);
  const review = result.reviewId ? await api(ANALYST, 'GET', `/monitoring/reviews/${result.reviewId}`) : null;
  const performance = await api(ANALYST, 'GET', '/restructuring/plan-performance');
  const reviews: KpiReport['reviews'][number][] = [];
  for (let page = 1; ; page++) {
    const res = await api(ANALYST, 'GET', `/monitoring/reviews?page=${page}&pageSize=100`);
    if (res.status !== 200) break;
    const items = (res.body.items ?? []) as Array<Record<string, unknown>>;
    for (const r of items) {
      reviews.push({
        reviewId: String(r.reviewId),
        asOf: String(r.asOf),
        trigger: String(r.trigger ?? ''),
        better: (r.better as string | null | undefined) ?? null,
        pValue: (r.pValue as number | null | undefined) ?? null,
        recommendation: String(r.recommendation ?? ''),
      });
    }
    if (items.length < 100) break;
  }
  const overall = performance.status === 200 ? performance.body.overall : {};
  return {
    aging: aging.map((r) => ({ stage: String(r.stage), loans: r.numerator, share: r.rate })),
    rollRates: rolls
      .filter((r) => r.denominator > 0)
      .map((r) => ({ period: r.period, from: String(r.stage), to: String(r.toStage), rolled: r.numerator, of: r.denominator, rate: r.rate })),
    byVariant: variants.map((variant) => ({
      variant,
      cases: find(cures, variant)?.denominator ?? 0,
      cureRate: find(cures, variant)?.rate ?? null,
      promiseKeptRate: find(promises, variant)?.rate ?? null,
      recoveryRate: find(recovery, variant)?.rate ?? null,
      collectedFen: Number(find(recovery, variant)?.collectedFen ?? 0),
    })),
    byGrade: curesByGrade.map((r) => ({ grade: String(r.grade ?? 'none'), cases: r.denominator, cureRate: r.rate })),
    review:
      review?.status === 200 ? { better: review.body.better ?? null, pValue: review.body.pValue ?? null, recommendation: review.body.recommendation } : null,
    plans: { activated: overall.activated ?? 0, active: overall.active ?? 0, broken: overall.broken ?? 0, completed: overall.completed ?? 0 },
    reviews,
  };
}

/** How much of a calendar month (`YYYY-MM`) the window covers: empty when all of it. */
export function partialMonth(period: string, from: string, to: string): string {
  if (!/^\d{4}-\d{2}$/.test(period)) return '';
  const first = `${period}-01`;
  const [y, m] = period.split('-').map(Number);
  const last = new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
  const start = from > first ? from : first;
  const end = to < last ? to : last;
  if (start === first && end === last) return '';
  return `partial: ${start.slice(8)}..${end.slice(8)} of ${last.slice(8)} days`;
}

/** What each figure of the report counts (docs/kpis.md has the full definitions). */
const DEFINITIONS = [
  'Definitions (docs/kpis.md):',
  '  aging          loans in each stage on the last day, of all loans in M0..M6+',
  '  roll rate      loans in stage n at the end of the previous month that are in stage n+1 at the end of the month, of those in stage n',
  '  cure           cases cured by the last day, of the cases opened in the window',
  '  promise-kept   promises judged kept, of those judged kept or broken in the window (cancelled ones are neither)',
  '  recovery       per case, what was paid while it was open (capped at the overdue amount at entry), of the overdue amount at entry',
  '  review         champion vs challenger on cure: the better arm, the p-value of the difference, and the recommendation',
];

export function formatReport(result: SimulationResult, report: KpiReport, baseUrl: string, tokenHint: string, reopen?: string): string {
  const { customers, days, seed, start } = result.options;
  const c = result.counts;
  const lines = [
    '',
    `Arrears simulation: ${customers} customers, ${days} business days from ${start} to ${result.end}, seed ${seed}`,
    `  behaviours: ${Object.entries(result.behaviours)
      .map(([b, n]) => `${b} ${n}`)
      .join(', ')}`,
    `  commands: ${c.loans} loans registered, ${c.payments} payments, ${c.contacts} calls, ${c.promises} promises, ${c.restructuringsRequested} restructurings requested, ${c.restructuringsActivated} activated`,
    '',
    `Aging on ${result.end}`,
    '  stage   loans   share',
    ...report.aging.map((a) => `  ${a.stage.padEnd(6)} ${String(a.loans).padStart(6)}  ${pct(a.share)}`),
    '',
    'Roll rates (stage at the end of the previous month -> one stage worse at the end of the month)',
    '  month     from  to    rolled / of     rate',
    ...report.rollRates.map((r) => {
      const partial = partialMonth(r.period, start, result.end);
      return `  ${r.period.padEnd(9)} ${r.from.padEnd(5)} ${r.to.padEnd(5)} ${String(r.rolled).padStart(6)} / ${String(r.of).padEnd(6)} ${pct(r.rate)}${partial ? `   (${partial})` : ''}`;
    }),
    '',
    `Strategy ${STRATEGY_ID} v1 by variant (cases opened in the window)`,
    '  variant      cases   cure   promise-kept  recovery   collected (yuan)',
    ...report.byVariant.map(
      (v) =>
        `  ${v.variant.padEnd(11)} ${String(v.cases).padStart(6)}  ${pct(v.cureRate)}   ${pct(v.promiseKeptRate)}     ${pct(v.recoveryRate)}   ${yuan(v.collectedFen).padStart(14)}`,
    ),
    '',
    "Cases by grade at entry (Grading's scorecard)",
    '  grade   cases   cure',
    ...report.byGrade.map((g) => `  ${g.grade.padEnd(6)} ${String(g.cases).padStart(6)}  ${pct(g.cureRate)}`),
    '',
    report.review
      ? `Champion/challenger review: better arm ${report.review.better ?? 'undecided'}, p = ${report.review.pValue === null ? 'n/a' : report.review.pValue.toFixed(4)}, recommendation ${report.review.recommendation}`
      : 'Champion/challenger review: not available',
    `Every review (${report.reviews.length}), newest first:`,
    ...(report.reviews.length
      ? report.reviews.map(
          (r) =>
            `  ${r.asOf}  ${r.trigger.padEnd(10)} better ${String(r.better ?? 'undecided').padEnd(10)} p = ${r.pValue === null ? 'n/a' : r.pValue.toFixed(4)}  ${r.recommendation}  (${r.reviewId})`,
        )
      : ['  none']),
    `Installment plans: ${report.plans.activated} activated, ${report.plans.active} active, ${report.plans.broken} broken, ${report.plans.completed} completed`,
    '',
    ...DEFINITIONS,
    '',
    `Explore (bearer token: ${tokenHint}):`,
    `  ${baseUrl}/docs                                          API documentation`,
    `  ${baseUrl}/monitoring/kpis/cure_rate?from=${start}&to=${result.end}&groupBy=variant`,
    `  ${baseUrl}/monitoring/kpis/aging?from=${start}&to=${result.end}&granularity=week`,
    `  ${baseUrl}/collection/cases?stage=M2                    (as supervisor or auditor)`,
    `  ${baseUrl}/restructuring/plan-performance`,
    `  ${baseUrl}/audit/history?loanId=SIM-L000001              (as auditor)`,
    `  ${baseUrl}/console                                       the staff console (paste a token)`,
    ...(reopen ? ['', `Reopen this portfolio later: ${reopen}`] : []),
    '',
  ];
  return lines.join('\n');
}
