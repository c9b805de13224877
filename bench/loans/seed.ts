/**
 * Seeds a loan portfolio for the end-of-day benchmark, fast: the seeding is bulk SQL straight into
 * `es_events` and the loans read model, not commands. What it writes is still exactly what commands
 * would have written: a few hundred template loans are run through the real decider (register, pay,
 * close the day before the benchmark day), and each seeded loan copies one template's events (with
 * its own loan and customer id, fresh event ids and a valid hash chain) and the read-model row the
 * real projection computes for that template. The projection's checkpoint is then set past the
 * seeded events.
 */
import type pg from 'pg';
import { addDays, addMonths, isDomainError, type BusinessDate, type EventMetadata } from '#kernel';
import { HASH } from '#eventstore';
import {
  DEFAULT_PRODUCT_SETTINGS,
  LOANS_PROJECTION,
  STAGES,
  loanDecider,
  loanRow,
  type ActiveLoan,
  type LoanCommand,
  type LoanEvent,
  type LoanState,
  type PaidOffLoan,
  type ProductSettings,
} from '#loans';

const LOAN = '__LOAN__';
const CUSTOMER = '__CUST__';
const SLOTS = 10_000;

export type Profile = 'good' | 'missed-last' | 'never-paid' | 'penalty-late';

/** Share of the portfolio per behaviour, in slots of 10,000. */
export const MIX: Record<Profile, number> = { good: 8_400, 'missed-last': 600, 'never-paid': 550, 'penalty-late': 450 };

const PENALTY_PRODUCT: ProductSettings = { ...DEFAULT_PRODUCT_SETTINGS, penaltyAnnualRateBps: 1825 };

export interface Template {
  readonly id: number;
  readonly profile: Profile;
  readonly slots: number;
  readonly events: readonly LoanEvent[];
  readonly state: ActiveLoan | PaidOffLoan;
  /** Event types a close of each given day emits (empty: the loan does not change that day). */
  readonly closes: ReadonlyArray<readonly string[]>;
}

function run(events: LoanEvent[], state: LoanState, command: LoanCommand): LoanState {
  const result = loanDecider.decide(command, state);
  if (isDomainError(result)) throw new Error(`template command ${command.type} refused: ${result.code} ${result.message}`);
  for (const e of result) {
    events.push(e);
    state = loanDecider.evolve(state, e);
  }
  return state;
}

/** One template loan: disbursed `age` days before the first benchmark day, behaving as `profile`. */
function template(id: number, profile: Profile, age: number, day: BusinessDate, days: number, slots: number): Template {
  const disbursed = addDays(day, -age);
  const schedule = Array.from({ length: 6 }, (_, i) => ({ seq: i + 1, dueDate: addMonths(disbursed, i + 1), principal: 100_000, interest: 2_500 - i * 300 }));
  const product = profile === 'penalty-late' ? PENALTY_PRODUCT : DEFAULT_PRODUCT_SETTINGS;
  const events: LoanEvent[] = [];
  let state = run(events, loanDecider.initialState(), {
    type: 'RegisterLoan',
    data: {
      loanId: LOAN,
      customerId: CUSTOMER,
      productCode: profile === 'penalty-late' ? 'CASH-6M-P' : 'CASH-6M',
      principal: 600_000,
      annualRateBps: 1500,
      termMonths: 6,
      disbursementDate: disbursed,
      timeZone: 'Asia/Shanghai',
      schedule,
      product,
      businessDate: disbursed,
    },
  });
  const yesterday = addDays(day, -1);
  const due = schedule.filter((i) => i.dueDate <= yesterday);
  const paidCount = profile === 'good' ? due.length : profile === 'missed-last' ? Math.max(0, due.length - 1) : 0;
  if (paidCount > 0) {
    const paid = due.slice(0, paidCount);
    const valueDate = paid[paid.length - 1].dueDate;
    const amount = paid.reduce((s, i) => s + i.principal + i.interest, 0);
    state = run(events, state, { type: 'PostPayment', data: { loanId: LOAN, reference: 'SEED-1', amount, valueDate, businessDate: valueDate } });
  }
  state = run(events, state, { type: 'CloseBusinessDay', data: { loanId: LOAN, businessDate: yesterday } });
  if (state.status === 'Unregistered') throw new Error('template not registered');
  const closes: string[][] = [];
  let after: LoanState = state;
  for (let d = 0; d < days; d++) {
    const result = loanDecider.decide({ type: 'CloseBusinessDay', data: { loanId: LOAN, businessDate: addDays(day, d) } }, after);
    if (isDomainError(result)) throw new Error(result.code);
    closes.push(result.map((e) => e.type));
    after = result.reduce(loanDecider.evolve, after);
  }
  return { id, profile, slots, events, state: state as ActiveLoan | PaidOffLoan, closes };
}

/** The templates and how many of the 10,000 slots each takes. */
export function templates(day: BusinessDate, days: number): Template[] {
  const out: Template[] = [];
  for (const [profile, share] of Object.entries(MIX) as Array<[Profile, number]>) {
    // Good payers are of every age (the oldest are paid off); the others are past their first due date.
    const ages = profile === 'good' ? range(1, 400) : range(32, 400);
    for (const [k, age] of ages.entries()) {
      const slots = Math.floor(((k + 1) * share) / ages.length) - Math.floor((k * share) / ages.length);
      if (slots > 0) out.push(template(out.length, profile, age, day, days, slots));
    }
  }
  const total = out.reduce((s, t) => s + t.slots, 0);
  if (total !== SLOTS) throw new Error(`templates cover ${total} slots, not ${SLOTS}`);
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** How many of `loans` seeded loans each template gets (loan n takes slot n mod 10,000). */
export function loansPerTemplate(list: readonly Template[], loans: number): Map<number, number> {
  const counts = new Map<number, number>();
  let slot = 0;
  for (const t of list) {
    let n = 0;
    for (let s = slot; s < slot + t.slots; s++) n += Math.floor(loans / SLOTS) + (s < loans % SLOTS ? 1 : 0);
    counts.set(t.id, n);
    slot += t.slots;
  }
  return counts;
}

const SEED_META: EventMetadata = {
  correlationId: 'bench-seed',
  causationId: 'bench-seed',
  actor: { id: 'bench-seed', role: 'system' },
  command: 'Seed',
  occurredAt: '2025-01-01T00:00:00.000Z',
};

/**
 * Writes `loans` loans (ids L0000001...) into the store and the read model. Returns the number of
 * events written. The loans projection must be installed (its tables exist) and otherwise empty.
 * The work is split in two halves of the loan range written side by side (two connections).
 */
export async function seedPortfolio(
  pool: pg.Pool,
  list: readonly Template[],
  loans: number,
  log: (m: string) => void,
  parts: { events: boolean; readModel: boolean } = { events: true, readModel: true },
): Promise<number> {
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const started = Date.now();
    const result = await work();
    log(`  ${what} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return result;
  };
  /** Runs `sql` once per half of the loan range ($1, $2: first and last n), in parallel. */
  const halves = async (sql: string, extra: unknown[] = []): Promise<number> => {
    const middle = Math.floor(loans / 2);
    const counts = await Promise.all(
      [
        [1, middle],
        [middle + 1, loans],
      ].map(async ([from, to]) => (await pool.query(sql, [from, to, ...extra])).rowCount ?? 0),
    );
    return counts.reduce((a, b) => a + b, 0);
  };
  try {
    await pool.query(`
      DROP TABLE IF EXISTS bench_seed_slots, bench_seed_events, bench_seed_rows, bench_seed_loans;
      CREATE UNLOGGED TABLE bench_seed_slots (slot integer PRIMARY KEY, template integer NOT NULL);
      CREATE UNLOGGED TABLE bench_seed_events (template integer, revision integer, type text, data text, meta jsonb, PRIMARY KEY (template, revision));
      CREATE UNLOGGED TABLE bench_seed_rows (template integer PRIMARY KEY, row jsonb NOT NULL, facts text NOT NULL);
      CREATE UNLOGGED TABLE bench_seed_loans (n integer PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL, template integer NOT NULL);`);
    const slots: Array<{ slot: number; template: number }> = [];
    for (const t of list) for (let i = 0; i < t.slots; i++) slots.push({ slot: slots.length, template: t.id });
    await pool.query(`INSERT INTO bench_seed_slots SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(slot integer, template integer)`, [JSON.stringify(slots)]);
    const events = list.flatMap((t) =>
      t.events.map((e, revision) => ({ template: t.id, revision, type: e.type, data: JSON.stringify(e.data), meta: SEED_META })),
    );
    await pool.query(
      `INSERT INTO bench_seed_events SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(template integer, revision integer, type text, data text, meta jsonb)`,
      [JSON.stringify(events)],
    );
    const rows = list.map((t) => ({
      template: t.id,
      row: loanRow(t.state, t.events.length - 1, t.state.facts.terms.disbursementDate),
      facts: JSON.stringify(t.state.facts),
    }));
    await pool.query(`INSERT INTO bench_seed_rows SELECT * FROM jsonb_to_recordset($1::jsonb) AS x(template integer, row jsonb, facts text)`, [
      JSON.stringify(rows),
    ]);
    await pool.query(
      `INSERT INTO bench_seed_loans
       SELECT n, 'L' || lpad(n::text, 7, '0'), 'C' || lpad((n % 800000)::text, 6, '0'), s.template
         FROM generate_series(1, $1::integer) n JOIN bench_seed_slots s ON s.slot = n % ${SLOTS}`,
      [loans],
    );
    await pool.query('ANALYZE bench_seed_loans');

    let written = 0;
    const maxRevision = parts.events ? Math.max(...list.map((t) => t.events.length - 1)) : -1;
    for (let revision = 0; revision <= maxRevision; revision++) {
      const previous = revision === 0 ? `''::bytea` : `p.hash`;
      // Event ids ordered by (revision, loan) keep the event-id index appending at its end.
      written += await timed(`events at revision ${revision}`, () =>
        halves(
          `INSERT INTO es_events (stream_id, revision, event_id, type, schema_version, data, metadata, hash)
           SELECT x.stream_id, x.revision, x.event_id, x.type, 1, x.data, x.meta, ${HASH(previous, 'x', 'data', 'meta')}
             FROM (SELECT 'loans.loan-' || l.loan_id AS stream_id, e.revision, e.type,
                          (lpad(to_hex(e.revision), 8, '0') || '-0000-8000-8000-' || lpad(to_hex(l.n), 12, '0'))::uuid AS event_id,
                          replace(replace(e.data, '${LOAN}', l.loan_id), '${CUSTOMER}', l.customer_id)::jsonb AS data, e.meta
                     FROM bench_seed_loans l JOIN bench_seed_events e ON e.template = l.template AND e.revision = $3
                    WHERE l.n BETWEEN $1 AND $2) x
             ${revision === 0 ? '' : 'JOIN es_events p ON p.stream_id = x.stream_id AND p.revision = x.revision - 1'}
            ORDER BY x.stream_id`,
          [revision],
        ),
      );
    }

    if (!parts.readModel) return written;
    await timed(`read-model rows (${loans})`, () =>
      halves(
        `INSERT INTO rm_loans (loan_id, customer_id, product_code, principal, outstanding, overdue_amount, penalty_accrued, dpd, dpd_since, stage, status,
                               delinquent, disbursement_date, registered_on, as_of, next_due_date, quiet_through, revision, reported)
         SELECT l.loan_id, l.customer_id, r.row->>'product_code', (r.row->>'principal')::bigint, (r.row->>'outstanding')::bigint,
                (r.row->>'overdue_amount')::bigint, (r.row->>'penalty_accrued')::bigint, (r.row->>'dpd')::integer, (r.row->>'dpd_since')::date,
                r.row->>'stage', r.row->>'status', (r.row->>'delinquent')::boolean, (r.row->>'disbursement_date')::date,
                (r.row->>'registered_on')::date, (r.row->>'as_of')::date, (r.row->>'next_due_date')::date, (r.row->>'quiet_through')::date,
                (r.row->>'revision')::bigint, r.row->'reported'
           FROM bench_seed_loans l JOIN bench_seed_rows r ON r.template = l.template
          WHERE l.n BETWEEN $1 AND $2
          ORDER BY l.loan_id`,
      ),
    );
    await timed(`read-model facts (${loans})`, () =>
      halves(
        `INSERT INTO rm_loan_facts (loan_id, facts)
         SELECT l.loan_id, replace(replace(r.facts, '${LOAN}', l.loan_id), '${CUSTOMER}', l.customer_id)::jsonb
           FROM bench_seed_loans l JOIN bench_seed_rows r ON r.template = l.template
          WHERE l.n BETWEEN $1 AND $2
          ORDER BY l.loan_id`,
      ),
    );
    await pool.query(
      `INSERT INTO rm_loan_stage_totals (stage, loans, balance)
       SELECT s.stage, count(l.loan_id), coalesce(sum(l.outstanding), 0)
         FROM unnest($1::text[]) AS s(stage) LEFT JOIN rm_loans l ON l.stage = s.stage AND l.status = 'active'
        GROUP BY s.stage`,
      [STAGES],
    );
    await timed('vacuum analyze', async () => {
      const tables = [...(parts.events ? ['es_events'] : []), await physical(pool, 'rm_loans'), await physical(pool, 'rm_loan_facts')];
      await Promise.all(tables.map((t) => pool.query(`VACUUM ANALYZE ${t}`)));
    });

    // The projection continues after the seeded events.
    const { rows: head } = await pool.query<{ tx_id: string; global_position: string }>(
      `SELECT tx_id::text, global_position::text FROM es_events ORDER BY tx_id DESC, global_position DESC LIMIT 1`,
    );
    await pool.query(
      `UPDATE projection_checkpoints c SET commit_position = $2, prepare_position = $3
         FROM projections p WHERE p.name = $1 AND c.name = p.name AND c.generation = p.active_generation`,
      [LOANS_PROJECTION, head[0].tx_id, head[0].global_position],
    );
    return written;
  } finally {
    await pool.query('DROP TABLE IF EXISTS bench_seed_slots, bench_seed_events, bench_seed_rows, bench_seed_loans').catch(() => undefined);
  }
}

async function physical(pool: pg.Pool, view: string): Promise<string> {
  const { rows } = await pool.query<{ generation: number }>(`SELECT active_generation AS generation FROM projections WHERE name = $1`, [LOANS_PROJECTION]);
  return `${view}__g${rows[0].generation}`;
}
