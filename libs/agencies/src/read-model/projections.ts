import type { RecordedEvent } from '#kernel';
import { caseAssignmentsProjection } from '#case-scope';
import { rowProjection, type Projection } from '#projections';
import { AGENCY_EVENT_TYPES, evolveAgency, type AgencyContract, type AgencyEvent, type AgencyFile } from '../domain/agency.js';
import { PLACEMENT_EVENT_TYPES, type PlacementEvent } from '../domain/placement.js';
import { emptyCaseRecord, evolveCaseRecord, type CaseRecord } from './evaluation.js';

/**
 * Agencies' read models: the published list of agencies, the placements (the scope of every
 * agency principal's read: the cases placed with it now), the recoveries attributed with their
 * commissions, the agencies' contacts as Collection recorded them (for the evaluation), and its
 * own copy of Collection's case assignments (the supervisor's case scope on placements).
 */
export const AGENCIES_TABLE = 'rm_agencies_list';
export const PLACEMENTS_TABLE = 'rm_agencies_placements';
export const RECOVERIES_TABLE = 'rm_agencies_recoveries';
export const AGENCY_CONTACTS_TABLE = 'rm_agencies_contacts';
export const AGENCY_CASES_TABLE = 'rm_agencies_case_assignments';
export const CASE_RECORDS_TABLE = 'rm_agencies_case_records';

/** The executor id an agency's contacts carry on Collection's events. */
export const agencyExecutorId = (agencyId: string): string => `agency:${agencyId}`;

const agencyCaseAssignmentsProjection: Projection = caseAssignmentsProjection({ name: 'agencies_case_assignments', table: AGENCY_CASES_TABLE });

export interface AgencyRow {
  [column: string]: unknown;
  agency_id: string;
  status: string;
  holding: number;
  placements: number;
  contract: AgencyContract;
  /** The agency as its own stream folds it (the same `evolveAgency`): name, contract, pending amendment, agents. */
  state: AgencyFile;
}

function evolveAgencyRow(row: AgencyRow | undefined, recorded: RecordedEvent): AgencyRow | undefined {
  const next = evolveAgency(row?.state ?? { status: 'none' }, recorded as unknown as AgencyEvent);
  if (next.status === 'none') return undefined;
  return {
    agency_id: next.agencyId,
    status: next.status,
    holding: Object.keys(next.holding).length,
    placements: next.placementsTaken,
    contract: next.contract,
    state: next,
  };
}

const agenciesProjection: Projection = rowProjection<AgencyRow>({
  name: 'agencies_list',
  version: 1,
  table: AGENCIES_TABLE,
  ddl: `CREATE TABLE {table} (
    agency_id text PRIMARY KEY, status text NOT NULL, holding integer NOT NULL, placements integer NOT NULL, contract jsonb NOT NULL, state jsonb NOT NULL)`,
  key: 'agency_id',
  filter: { streamPrefixes: ['agencies.agency-'], eventTypes: AGENCY_EVENT_TYPES },
  keyOf: (e) => (e.data as { agencyId?: string }).agencyId ?? null,
  evolve: evolveAgencyRow,
});

export interface PlacementRow {
  [column: string]: unknown;
  placement_id: string;
  case_id: string;
  loan_id: string;
  customer_id: string;
  agency_id: string;
  status: 'NOTICE_PENDING' | 'ACTIVE' | 'CANCELLED' | 'RECALLED';
  stage: string;
  overdue_amount: number;
  source: string;
  reason: string;
  contract_no: string;
  requested_on: string;
  notice_action_id: string;
  starts_on: string | null;
  ends_on: string | null;
  ended_on: string | null;
  end_reason: string | null;
  recovered: number;
  commission: number;
}

function evolvePlacementRow(row: PlacementRow | undefined, recorded: RecordedEvent): PlacementRow | undefined {
  const event = recorded as unknown as PlacementEvent;
  if (event.type === 'PlacementRequested') {
    const d = event.data;
    return (
      row ?? {
        placement_id: d.placementId,
        case_id: d.caseId,
        loan_id: d.loanId,
        customer_id: d.customerId,
        agency_id: d.agencyId,
        status: 'NOTICE_PENDING',
        stage: d.stage,
        overdue_amount: d.overdueAmount,
        source: d.source,
        reason: d.reason,
        contract_no: d.contractNo,
        requested_on: d.requestedOn,
        notice_action_id: d.noticeActionId,
        starts_on: null,
        ends_on: null,
        ended_on: null,
        end_reason: null,
        recovered: 0,
        commission: 0,
      }
    );
  }
  if (!row) return undefined;
  switch (event.type) {
    case 'CasePlaced':
      return { ...row, status: 'ACTIVE', starts_on: event.data.startsOn, ends_on: event.data.endsOn };
    case 'PlacementCancelled':
      return { ...row, status: 'CANCELLED', end_reason: event.data.code };
    case 'CaseRecalled':
      return { ...row, status: 'RECALLED', ended_on: event.data.recalledOn, end_reason: event.data.reason };
    case 'RecoveryAttributed':
      return { ...row, recovered: row.recovered + event.data.amount, commission: row.commission + event.data.commission };
    case 'RecoveryReversed':
      return { ...row, recovered: row.recovered - event.data.amount, commission: row.commission - event.data.commission };
    default:
      return undefined;
  }
}

const placementsProjection: Projection = rowProjection<PlacementRow>({
  name: 'agencies_placements',
  version: 1,
  table: PLACEMENTS_TABLE,
  ddl: `CREATE TABLE {table} (
    placement_id text PRIMARY KEY, case_id text NOT NULL, loan_id text NOT NULL, customer_id text NOT NULL, agency_id text NOT NULL,
    status text NOT NULL, stage text NOT NULL, overdue_amount bigint NOT NULL, source text NOT NULL, reason text NOT NULL, contract_no text NOT NULL,
    requested_on text NOT NULL, notice_action_id text NOT NULL, starts_on text, ends_on text, ended_on text, end_reason text,
    recovered bigint NOT NULL, commission bigint NOT NULL);
    CREATE INDEX {table}_agency ON {table} (agency_id, status);
    CREATE INDEX {table}_case ON {table} (case_id);
    CREATE INDEX {table}_ends ON {table} (status, ends_on)`,
  key: 'placement_id',
  filter: { streamPrefixes: ['agencies.placement-'], eventTypes: PLACEMENT_EVENT_TYPES },
  keyOf: (e) => (e.data as { placementId?: string }).placementId ?? null,
  evolve: evolvePlacementRow,
});

interface RecoveryRow {
  [column: string]: unknown;
  recovery_id: string;
  placement_id: string;
  agency_id: string;
  case_id: string;
  reference: string;
  amount: number;
  commission: number;
  value_date: string;
  business_date: string;
  reversed_on: string | null;
}

const recoveriesProjection: Projection = rowProjection<RecoveryRow>({
  name: 'agencies_recoveries',
  version: 1,
  table: RECOVERIES_TABLE,
  ddl: `CREATE TABLE {table} (
    recovery_id text PRIMARY KEY, placement_id text NOT NULL, agency_id text NOT NULL, case_id text NOT NULL, reference text NOT NULL,
    amount bigint NOT NULL, commission bigint NOT NULL, value_date text NOT NULL, business_date text NOT NULL, reversed_on text);
    CREATE INDEX {table}_agency ON {table} (agency_id, business_date)`,
  key: 'recovery_id',
  filter: { streamPrefixes: ['agencies.placement-'], eventTypes: ['RecoveryAttributed', 'RecoveryReversed'] },
  keyOf: (e) => {
    const d = e.data as { placementId: string; reference: string };
    return `${d.placementId}/${d.reference}`;
  },
  evolve(row, recorded) {
    const event = recorded as unknown as PlacementEvent;
    if (event.type === 'RecoveryAttributed') {
      const d = event.data;
      return (
        row ?? {
          recovery_id: `${d.placementId}/${d.reference}`,
          placement_id: d.placementId,
          agency_id: d.agencyId,
          case_id: d.caseId,
          reference: d.reference,
          amount: d.amount,
          commission: d.commission,
          value_date: d.valueDate,
          business_date: d.businessDate,
          reversed_on: null,
        }
      );
    }
    if (event.type === 'RecoveryReversed') return row && { ...row, reversed_on: event.data.businessDate };
    return undefined;
  },
});

interface AgencyContactRow {
  [column: string]: unknown;
  attempt_id: string;
  agency_id: string;
  case_id: string;
  channel: string;
  local_date: string;
  blocked_code: string | null;
}

interface AttemptData {
  readonly attemptId: string;
  readonly caseId: string;
  readonly channel: string;
  readonly localDate: string;
  readonly by: { readonly kind: string; readonly id: string };
  readonly code?: string;
}

/** Collection's record of every contact an agency made or tried (ContactAttempted, ContactBlocked with an agency as executor). */
const agencyContactsProjection: Projection = rowProjection<AgencyContactRow>({
  name: 'agencies_contacts',
  version: 1,
  table: AGENCY_CONTACTS_TABLE,
  ddl: `CREATE TABLE {table} (
    attempt_id text PRIMARY KEY, agency_id text NOT NULL, case_id text NOT NULL, channel text NOT NULL, local_date text NOT NULL, blocked_code text);
    CREATE INDEX {table}_agency ON {table} (agency_id, local_date)`,
  key: 'attempt_id',
  filter: { streamPrefixes: ['collection.case-'], eventTypes: ['ContactAttempted', 'ContactBlocked'] },
  keyOf: (e) => {
    const d = e.data as AttemptData;
    return d.by?.kind === 'EXECUTOR' && d.by.id.startsWith('agency:') ? d.attemptId : null;
  },
  evolve(row, recorded) {
    const d = recorded.data as AttemptData;
    return (
      row ?? {
        attempt_id: d.attemptId,
        agency_id: d.by.id.slice('agency:'.length),
        case_id: d.caseId,
        channel: d.channel,
        local_date: d.localDate,
        blocked_code: recorded.type === 'ContactBlocked' ? (d.code ?? null) : null,
      }
    );
  },
});

export interface CaseRecordRow {
  [column: string]: unknown;
  case_id: string;
  /** The first and last day the case entered a stage (the evaluation reads the cases that entered one in its year). */
  first_entry: string | null;
  last_entry: string | null;
  record: CaseRecord;
}

/**
 * One record per Collection case, from its published case events: the bank's side of the
 * evaluation's comparison, and the open cases the placement rule has not placed (retried at each close).
 */
const caseRecordsProjection: Projection = rowProjection<CaseRecordRow>({
  name: 'agencies_case_records',
  version: 1,
  table: CASE_RECORDS_TABLE,
  ddl: `CREATE TABLE {table} (case_id text PRIMARY KEY, first_entry text, last_entry text, record jsonb NOT NULL);
    CREATE INDEX {table}_entries ON {table} (last_entry, first_entry)`,
  key: 'case_id',
  filter: {
    streamPrefixes: ['collection.case-'],
    eventTypes: [
      'CaseOpened',
      'CaseEscalated',
      'CaseDeescalated',
      'PaymentRecorded',
      'CasePaymentReversed',
      'PromiseToPayRecorded',
      'PromiseKept',
      'PromiseBroken',
      'PromiseCancelled',
      'PromiseReopened',
      'ContactAttempted',
      'ContactBlocked',
      'CaseOnHold',
      'CaseClosed',
    ],
  },
  keyOf: (e) => (e.data as { caseId?: string }).caseId ?? null,
  evolve(row, recorded) {
    const record = evolveCaseRecord(row?.record ?? emptyCaseRecord(), recorded);
    if (!record) return undefined;
    const days = record.entries.map((e) => e.on).sort();
    return { case_id: (recorded.data as { caseId: string }).caseId, first_entry: days[0] ?? null, last_entry: days.at(-1) ?? null, record };
  },
});

export const AGENCY_READ_MODELS: readonly Projection[] = [
  agencyCaseAssignmentsProjection,
  agenciesProjection,
  placementsProjection,
  recoveriesProjection,
  agencyContactsProjection,
  caseRecordsProjection,
];
