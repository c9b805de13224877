/**
 * The KPI fact tables of monitoring: one row per loan, per stage spell of a loan, per payment, per
 * case, per contact attempt, per promise, per restructuring, per dispute or complaint, per grade
 * spell of a customer. KPIs are SQL over these at query time (read-model/kpis.ts), so any slice
 * (strategy, version, variant, grade, stage, collector, channel, dates) stays possible.
 *
 * A spell is a half-open range of business dates [from_date, to_date): the state at the end of
 * day d is the spell with from_date <= d < to_date (to_date NULL: still running).
 */

/** The case attributes copied onto fact rows when they are written. */
export interface Dims {
  strategy_id: string | null;
  strategy_version: number | null;
  variant: string | null;
  grade: string | null;
  stage: string | null;
  collector_id: string | null;
}

export interface LoanRow {
  loan_id: string;
  customer_id: string;
  principal_fen: number;
  registered_on: string;
  stage: string;
  spell_no: number;
  open_case_id: string | null;
  [k: string]: unknown;
}

export interface StageSpellRow {
  spell_id: string;
  loan_id: string;
  customer_id: string;
  spell_no: number;
  stage: string;
  from_date: string;
  to_date: string | null;
  dpd: number;
  overdue_fen: number;
  [k: string]: unknown;
}

export interface PaymentRow {
  payment_id: string;
  loan_id: string;
  customer_id: string;
  case_id: string | null;
  reference: string;
  amount_fen: number;
  principal_fen: number;
  business_date: string;
  value_date: string;
  reversed_on: string | null;
  /** Money recovered after Loans wrote the loan off (`RecoveryReceived`): no case, no principal on the books. */
  recovery: boolean;
  [k: string]: unknown;
}

export interface CaseRow extends Dims {
  case_id: string;
  loan_id: string;
  customer_id: string;
  stage_at_entry: string | null;
  opened_on: string;
  closed_on: string | null;
  close_reason: string | null;
  overdue_at_entry_fen: number;
  cured_on: string | null;
  [k: string]: unknown;
}

export interface ContactRow extends Dims {
  contact_id: string;
  case_id: string;
  customer_id: string | null;
  channel: string;
  outcome: string;
  party: string;
  attempted_on: string;
  [k: string]: unknown;
}

export interface PromiseRow extends Dims {
  promise_key: string;
  case_id: string;
  customer_id: string | null;
  amount_fen: number;
  due_on: string | null;
  recorded_on: string;
  status: string;
  resolved_on: string | null;
  [k: string]: unknown;
}

export interface RestructuringRow extends Dims {
  restructuring_id: string;
  loan_id: string | null;
  customer_id: string | null;
  case_id: string | null;
  type: string | null;
  activated_on: string;
  outcome: string | null;
  ended_on: string | null;
  [k: string]: unknown;
}

export interface DisputeRow extends Dims {
  dispute_key: string;
  case_id: string | null;
  customer_id: string | null;
  type: string;
  raised_on: string;
  /** The outcome of the complaint that placed the hold, once resolved (UPHELD, PARTLY_UPHELD, NOT_UPHELD). */
  outcome: string | null;
  [k: string]: unknown;
}

/**
 * A figure monitoring restated because a correction reached it (a Loans DelinquencyRestated, a
 * Collection PromiseReopened): the first figure and the corrected one, and what caused it.
 * `kind`: STAGES (a loan's stage spells, so its aging and roll rates), CASE_CURE (a case's cure
 * date), PROMISE (a promise's verdict).
 */
export interface RestatementRow {
  restatement_id: string;
  kind: 'STAGES' | 'CASE_CURE' | 'PROMISE';
  loan_id: string | null;
  case_id: string | null;
  cause_event_id: string;
  correction: unknown;
  restated_on: string;
  before: unknown;
  after: unknown;
  [k: string]: unknown;
}

/** One installment of a loan's schedule; a replaced one (restructuring) keeps its row with `replaced_on`. */
export interface InstallmentRow {
  installment_id: string;
  loan_id: string;
  customer_id: string;
  seq: number;
  due_date: string;
  /** Principal plus interest scheduled. */
  owed_fen: number;
  replaced_on: string | null;
  [k: string]: unknown;
}

/** What one payment paid on one installment (principal and interest; penalty left out). */
export interface PaymentPartRow {
  part_id: string;
  payment_id: string;
  loan_id: string;
  seq: number;
  paid_fen: number;
  [k: string]: unknown;
}

/** A pre-delinquency outreach track Collection started for a current loan, towards the installment due on `due_date`. */
export interface OutreachRow {
  track_id: string;
  loan_id: string;
  customer_id: string;
  due_date: string;
  started_on: string;
  strategy_id: string | null;
  strategy_version: number | null;
  variant: string | null;
  [k: string]: unknown;
}

/** A customer's early-warning episode (Monitoring's own EarlyWarningRaised / EarlyWarningEpisodeClosed). */
export interface WarningEpisodeRow {
  warning_id: string;
  customer_id: string;
  severity: string;
  started_on: string;
  closed_on: string | null;
  [k: string]: unknown;
}

export interface CustomerRow {
  customer_id: string;
  grade: string | null;
  grade_spell_no: number;
  [k: string]: unknown;
}

export interface GradeSpellRow {
  spell_id: string;
  customer_id: string;
  spell_no: number;
  grade: string;
  from_date: string;
  to_date: string | null;
  [k: string]: unknown;
}

const DIMS = `strategy_id text, strategy_version integer, variant text, grade text, stage text, collector_id text`;

export const FACT_TABLES = {
  mon_loans: `CREATE TABLE {table} (
      loan_id text PRIMARY KEY, customer_id text NOT NULL, principal_fen bigint NOT NULL, registered_on date NOT NULL,
      stage text NOT NULL, spell_no integer NOT NULL, open_case_id text)`,
  mon_loan_stages: `CREATE TABLE {table} (
      spell_id text PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL, spell_no integer NOT NULL, stage text NOT NULL,
      from_date date NOT NULL, to_date date, dpd integer NOT NULL, overdue_fen bigint NOT NULL);
    CREATE INDEX ON {table} (loan_id, from_date);
    CREATE INDEX ON {table} (from_date, to_date)`,
  mon_payments: `CREATE TABLE {table} (
      payment_id text PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL, case_id text, reference text NOT NULL,
      amount_fen bigint NOT NULL, principal_fen bigint NOT NULL, business_date date NOT NULL, value_date date NOT NULL, reversed_on date,
      recovery boolean NOT NULL DEFAULT false);
    CREATE INDEX ON {table} (loan_id, business_date);
    CREATE INDEX ON {table} (case_id) WHERE case_id IS NOT NULL`,
  mon_cases: `CREATE TABLE {table} (
      case_id text PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL, ${DIMS}, stage_at_entry text,
      opened_on date NOT NULL, closed_on date, close_reason text, overdue_at_entry_fen bigint NOT NULL, cured_on date);
    CREATE INDEX ON {table} (opened_on);
    CREATE INDEX ON {table} (loan_id, opened_on)`,
  mon_contacts: `CREATE TABLE {table} (
      contact_id text PRIMARY KEY, case_id text NOT NULL, customer_id text, channel text NOT NULL, outcome text NOT NULL,
      party text NOT NULL, attempted_on date NOT NULL, ${DIMS});
    CREATE INDEX ON {table} (attempted_on)`,
  mon_promises: `CREATE TABLE {table} (
      promise_key text PRIMARY KEY, case_id text NOT NULL, customer_id text, amount_fen bigint NOT NULL, due_on date,
      recorded_on date NOT NULL, status text NOT NULL, resolved_on date, ${DIMS});
    CREATE INDEX ON {table} (resolved_on)`,
  mon_restructurings: `CREATE TABLE {table} (
      restructuring_id text PRIMARY KEY, loan_id text, customer_id text, case_id text, type text, activated_on date NOT NULL,
      outcome text, ended_on date, ${DIMS})`,
  mon_disputes: `CREATE TABLE {table} (
      dispute_key text PRIMARY KEY, case_id text, customer_id text, type text NOT NULL, raised_on date NOT NULL, outcome text, ${DIMS});
    CREATE INDEX ON {table} (case_id)`,
  mon_installments: `CREATE TABLE {table} (
      installment_id text PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL, seq integer NOT NULL, due_date date NOT NULL,
      owed_fen bigint NOT NULL, replaced_on date);
    CREATE INDEX ON {table} (due_date)`,
  mon_payment_parts: `CREATE TABLE {table} (
      part_id text PRIMARY KEY, payment_id text NOT NULL, loan_id text NOT NULL, seq integer NOT NULL, paid_fen bigint NOT NULL);
    CREATE INDEX ON {table} (loan_id, seq)`,
  mon_outreach: `CREATE TABLE {table} (
      track_id text PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL, due_date date NOT NULL, started_on date NOT NULL,
      strategy_id text, strategy_version integer, variant text);
    CREATE INDEX ON {table} (loan_id, due_date)`,
  mon_warnings: `CREATE TABLE {table} (
      warning_id text PRIMARY KEY, customer_id text NOT NULL, severity text NOT NULL, started_on date NOT NULL, closed_on date);
    CREATE INDEX ON {table} (customer_id)`,
  mon_customers: `CREATE TABLE {table} (customer_id text PRIMARY KEY, grade text, grade_spell_no integer NOT NULL)`,
  mon_restatements: `CREATE TABLE {table} (
      restatement_id text PRIMARY KEY, kind text NOT NULL, loan_id text, case_id text, cause_event_id text NOT NULL,
      correction jsonb NOT NULL, restated_on date NOT NULL, before jsonb NOT NULL, after jsonb NOT NULL);
    CREATE INDEX ON {table} (loan_id);
    CREATE INDEX ON {table} (case_id)`,
  mon_grades: `CREATE TABLE {table} (
      spell_id text PRIMARY KEY, customer_id text NOT NULL, spell_no integer NOT NULL, grade text NOT NULL, from_date date NOT NULL, to_date date);
    CREATE INDEX ON {table} (customer_id, from_date)`,
} as const;
