import type { BusinessDate } from '#kernel';
import type { Stage } from '../domain/model.js';

/**
 * Collection's own record of a loan, folded from the Loans context's published events (never its
 * internals): who owes it and in which time zone (from LoanRegistered), its installment due dates,
 * the last published delinquency position, and the collection case open on it.
 */
export interface LoanMirror {
  readonly loanId: string;
  readonly customerId: string;
  readonly timeZone: string;
  /** Installments by sequence number and due date (a restructuring replaces some). */
  readonly installments: readonly { readonly seq: number; readonly dueDate: BusinessDate }[];
  /** Delinquency episodes so far; the n-th opens case `<loanId>-E<n>`. */
  readonly episodes: number;
  readonly caseId: string | null;
  readonly caseOpenedOn: BusinessDate | null;
  readonly delinquent: boolean;
  readonly stage: Stage;
  /** DPD as published on `dpdAsOf` (LoanBecameDelinquent, DelinquencyStageChanged). */
  readonly dpd: number;
  readonly dpdAsOf: BusinessDate | null;
  readonly overdueAmount: number;
  readonly restructuredOn: BusinessDate | null;
  /**
   * The restructuring whose plan holds the case (from ScheduleRestructured or RestructuringActivated
   * until PlanCompleted or PlanBroken); while it is set, a cure does not close the case.
   */
  readonly restructuringId: string | null;
}

// DPD on a date and the next due date are the scheduling rules, kept in the domain.
export { nextDueDate } from '../domain/scheduling.js';

export const LOANS_MIRROR_TABLE = 'rm_collection_loans';
export const GRADES_TABLE = 'rm_collection_grades';

export const MIRROR_TABLES = {
  [LOANS_MIRROR_TABLE]: `CREATE TABLE {table} (
    loan_id text COLLATE "C" PRIMARY KEY, customer_id text NOT NULL, time_zone text NOT NULL, installments jsonb NOT NULL,
    episodes integer NOT NULL, case_id text, case_opened_on text, delinquent boolean NOT NULL, stage text NOT NULL,
    dpd integer NOT NULL, dpd_as_of text, overdue_amount bigint NOT NULL, restructured_on text, restructuring_id text);
    CREATE INDEX {table}_case ON {table} (case_id) WHERE case_id IS NOT NULL`,
  [GRADES_TABLE]: `CREATE TABLE {table} (customer_id text COLLATE "C" PRIMARY KEY, grade text NOT NULL, policy text, as_of text NOT NULL, trigger_position text)`,
};

export interface MirrorRow {
  loan_id: string;
  customer_id: string;
  time_zone: string;
  installments: { seq: number; dueDate: BusinessDate }[];
  episodes: number;
  case_id: string | null;
  case_opened_on: string | null;
  delinquent: boolean;
  stage: string;
  dpd: number;
  dpd_as_of: string | null;
  overdue_amount: string | number;
  restructured_on: string | null;
  restructuring_id: string | null;
}

export function fromRow(r: MirrorRow): LoanMirror {
  return {
    loanId: r.loan_id,
    customerId: r.customer_id,
    timeZone: r.time_zone,
    installments: r.installments,
    episodes: r.episodes,
    caseId: r.case_id,
    caseOpenedOn: r.case_opened_on,
    delinquent: r.delinquent,
    stage: r.stage as Stage,
    dpd: r.dpd,
    dpdAsOf: r.dpd_as_of,
    overdueAmount: Number(r.overdue_amount),
    restructuredOn: r.restructured_on,
    restructuringId: r.restructuring_id,
  };
}

export function toRow(m: LoanMirror): Record<string, unknown> {
  return {
    loan_id: m.loanId,
    customer_id: m.customerId,
    time_zone: m.timeZone,
    installments: [...m.installments],
    episodes: m.episodes,
    case_id: m.caseId,
    case_opened_on: m.caseOpenedOn,
    delinquent: m.delinquent,
    stage: m.stage,
    dpd: m.dpd,
    dpd_as_of: m.dpdAsOf,
    overdue_amount: m.overdueAmount,
    restructured_on: m.restructuredOn,
    restructuring_id: m.restructuringId,
  };
}
