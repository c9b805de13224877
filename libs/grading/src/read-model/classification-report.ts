import type pg from 'pg';
import { addDays, type BusinessDate } from '#kernel';
import { CATEGORIES, type Category } from '../domain/grades.js';
import { LOAN_BOOK_TABLE, LOAN_CLASS_HISTORY_TABLE } from './tables.js';

/**
 * The five-category report for a business date D, from two read models folded from events:
 * - each loan's category on D: its latest LoanClassified with `asOf` <= D
 *   (rm_grading_loan_class_history; a loan's `asOf` only moves forward);
 * - each loan's outstanding principal and book status on D: the latest change on or before D
 *   (rm_grading_loan_book, one row per loan and business date a Loans event changed it).
 * Loans on the books on D (registered, neither paid off nor written off) are counted; the migration
 * matrix compares each loan's category on D with its category at the end of the previous month
 * (`NEW` for a loan not yet on the books then, `OFF_BOOK` for one paid off or written off by D).
 * The non-performing ratio is the balance of substandard, doubtful and loss over the total balance,
 * in basis points (0 when nothing is outstanding).
 */
const NON_PERFORMING: readonly Category[] = ['substandard', 'doubtful', 'loss'];

interface CategoryTotals {
  readonly category: Category;
  readonly loans: number;
  readonly balance: number;
}

export interface ClassificationReport {
  readonly businessDate: BusinessDate;
  readonly previousMonthEnd: BusinessDate;
  readonly categories: readonly CategoryTotals[];
  readonly totals: { readonly loans: number; readonly balance: number };
  readonly nonPerformingBalance: number;
  readonly nonPerformingRatioBps: number;
  /** from -> to: loans and their balance on D (on the previous month end for OFF_BOOK). */
  readonly migration: readonly { readonly from: Category | 'NEW'; readonly to: Category | 'OFF_BOOK'; readonly loans: number; readonly balance: number }[];
}

/** The last day of the month before the one `date` is in. */
export function previousMonthEnd(date: BusinessDate): BusinessDate {
  return addDays(`${date.slice(0, 7)}-01`, -1);
}

/** Category and book position of every loan on a date (the loans classified or booked by then). */
function positionsSql(dateParam: string): string {
  return `
    SELECT b.loan_id, c.category, b.balance, b.on_book
      FROM (SELECT DISTINCT ON (loan_id) loan_id, balance, on_book FROM ${LOAN_BOOK_TABLE}
             WHERE from_date <= ${dateParam} ORDER BY loan_id, from_date DESC) b
      LEFT JOIN (SELECT DISTINCT ON (loan_id) loan_id, category FROM ${LOAN_CLASS_HISTORY_TABLE}
             WHERE as_of <= ${dateParam} ORDER BY loan_id, revision DESC) c USING (loan_id)`;
}

export async function classificationReport(pool: pg.Pool, businessDate: BusinessDate): Promise<ClassificationReport> {
  const monthEnd = previousMonthEnd(businessDate);
  const { rows } = await pool.query<{
    from_cat: string | null;
    from_on: boolean | null;
    to_cat: string | null;
    to_on: boolean | null;
    loans: number;
    balance: string;
    prev_balance: string;
  }>(
    `WITH now AS (${positionsSql('$1')}), prev AS (${positionsSql('$2')})
     SELECT prev.category AS from_cat, prev.on_book AS from_on, now.category AS to_cat, now.on_book AS to_on,
            count(*)::int AS loans, coalesce(sum(now.balance), 0)::text AS balance, coalesce(sum(prev.balance), 0)::text AS prev_balance
       FROM now FULL JOIN prev USING (loan_id)
      GROUP BY 1, 2, 3, 4`,
    [businessDate, monthEnd],
  );
  // A loan on the books but not classified yet (no Loans event since it was registered) is normal.
  const category = (c: string | null): Category => (c ?? 'normal') as Category;
  const totals = new Map<Category, { loans: number; balance: number }>(CATEGORIES.map((c) => [c, { loans: 0, balance: 0 }]));
  const migration = new Map<string, { from: Category | 'NEW'; to: Category | 'OFF_BOOK'; loans: number; balance: number }>();
  for (const r of rows) {
    const onNow = r.to_on === true;
    const onThen = r.from_on === true;
    if (!onNow && !onThen) continue;
    if (onNow) {
      const t = totals.get(category(r.to_cat))!;
      t.loans += r.loans;
      t.balance += Number(r.balance);
    }
    const from = onThen ? category(r.from_cat) : 'NEW';
    const to = onNow ? category(r.to_cat) : 'OFF_BOOK';
    const key = `${from}>${to}`;
    const cell = migration.get(key) ?? { from, to, loans: 0, balance: 0 };
    cell.loans += r.loans;
    cell.balance += onNow ? Number(r.balance) : Number(r.prev_balance);
    migration.set(key, cell);
  }
  const categories = CATEGORIES.map((c) => ({ category: c, ...totals.get(c)! }));
  const balance = categories.reduce((s, c) => s + c.balance, 0);
  const nonPerformingBalance = categories.filter((c) => NON_PERFORMING.includes(c.category)).reduce((s, c) => s + c.balance, 0);
  const order = (x: string) => (x === 'NEW' ? -1 : x === 'OFF_BOOK' ? 99 : CATEGORIES.indexOf(x as Category));
  return {
    businessDate,
    previousMonthEnd: monthEnd,
    categories,
    totals: { loans: categories.reduce((s, c) => s + c.loans, 0), balance },
    nonPerformingBalance,
    nonPerformingRatioBps: balance === 0 ? 0 : Math.round((nonPerformingBalance * 10_000) / balance),
    migration: [...migration.values()].sort((a, b) => order(a.from) - order(b.from) || order(a.to) - order(b.to)),
  };
}

/** The report as CSV: one section per table, a header row each, amounts in fen. */
export function reportCsv(report: ClassificationReport): string {
  const lines = [
    'section,business_date,category,from,to,loans,balance_fen',
    ...report.categories.map((c) => `category,${report.businessDate},${c.category},,,${c.loans},${c.balance}`),
    `total,${report.businessDate},,,,${report.totals.loans},${report.totals.balance}`,
    `non_performing,${report.businessDate},,,,${report.nonPerformingRatioBps},${report.nonPerformingBalance}`,
    ...report.migration.map((m) => `migration,${report.businessDate},,${m.from},${m.to},${m.loans},${m.balance}`),
  ];
  return lines.join('\n') + '\n';
}
