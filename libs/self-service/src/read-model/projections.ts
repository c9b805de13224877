import type { RecordedEvent } from '#kernel';
import { caseAssignmentsProjection } from '#case-scope';
import { businessCalendarCopy } from '#loans';
import { perAggregate, rowProjection, type Projection } from '#projections';
import { COMPLAINT_EVENT_TYPES, type ComplaintEvent } from '../domain/complaint.js';

/**
 * Self-service's read models: its own copy of Collection's case assignments (which cases, loans and
 * teams are a customer's: the scope every customer read and write checks), its copy of Loans'
 * business calendar (its business clock), and the complaints register staff work from.
 */
export const SELF_SERVICE_CASES_TABLE = 'rm_selfservice_case_assignments';
export const SELF_SERVICE_CALENDAR_TABLE = 'rm_selfservice_business_calendar';
export const COMPLAINTS_TABLE = 'rm_selfservice_complaints';

export const selfServiceCaseAssignmentsProjection: Projection = caseAssignmentsProjection({
  name: 'selfservice_case_assignments',
  table: SELF_SERVICE_CASES_TABLE,
});
export const selfServiceCalendarProjection: Projection = businessCalendarCopy({ name: 'selfservice_business_calendar', table: SELF_SERVICE_CALENDAR_TABLE });

export interface ComplaintRow {
  [column: string]: unknown;
  complaint_id: string;
  customer_id: string;
  kind: string;
  category: string;
  source: string;
  loan_id: string | null;
  case_ids: string[];
  case_teams: string[];
  case_collectors: string[];
  status: string;
  raised_by: string;
  raised_by_role: string;
  raised_on: string;
  acknowledge_by: string;
  resolve_by: string;
  acknowledged_on: string | null;
  investigator_id: string | null;
  investigator_team: string | null;
  investigation_started_on: string | null;
  resolved_on: string | null;
  outcome: string | null;
  remedies: string[];
  late: boolean | null;
  escalations: Array<{ deadline: string; due: string; escalatedOn: string }>;
  /** The channel (APP, WEB) a customer raised it through; null when staff raised it. */
  channel: string | null;
  /** The resolution deadline's extension, if any (resolve_by is then the extended deadline). */
  extension: { days: number; reason: string; previousResolveBy: string; extendedBy: string; extendedOn: string; noticeRef: string | null } | null;
}

function evolveComplaintRow(row: ComplaintRow | undefined, recorded: RecordedEvent): ComplaintRow | undefined {
  const event = recorded as unknown as ComplaintEvent;
  switch (event.type) {
    case 'ComplaintRaised': {
      const d = event.data;
      if (row) return undefined;
      const actor = recorded.metadata.actor as { channel?: string };
      return {
        complaint_id: d.complaintId,
        customer_id: d.customerId,
        kind: d.kind,
        category: d.category,
        source: d.source,
        loan_id: d.loanId,
        case_ids: [...d.caseIds],
        case_teams: [...d.caseTeams],
        case_collectors: [...d.caseCollectors],
        status: 'RAISED',
        raised_by: d.raisedBy.id,
        raised_by_role: d.raisedBy.role,
        raised_on: d.raisedOn,
        acknowledge_by: d.acknowledgeBy,
        resolve_by: d.resolveBy,
        acknowledged_on: null,
        investigator_id: null,
        investigator_team: null,
        investigation_started_on: null,
        resolved_on: null,
        outcome: null,
        remedies: [],
        late: null,
        escalations: [],
        channel: d.raisedBy.role === 'customer' ? (actor.channel ?? null) : null,
        extension: null,
      };
    }
    case 'ComplaintAcknowledged':
      return row && { ...row, status: row.status === 'RAISED' ? 'ACKNOWLEDGED' : row.status, acknowledged_on: event.data.acknowledgedOn };
    case 'ComplaintInvestigationStarted':
      return (
        row && {
          ...row,
          status: 'INVESTIGATING',
          investigator_id: event.data.investigator.id,
          investigator_team: event.data.investigatorTeam,
          investigation_started_on: event.data.startedOn,
        }
      );
    case 'ComplaintDeadlineExtended': {
      const d = event.data;
      const extension = {
        days: d.days,
        reason: d.reason,
        previousResolveBy: d.previousResolveBy,
        extendedBy: d.extendedBy.id,
        extendedOn: d.extendedOn,
        noticeRef: d.noticeRef,
      };
      return row && { ...row, resolve_by: d.resolveBy, extension };
    }
    case 'ComplaintResolved':
      return (
        row && {
          ...row,
          status: 'RESOLVED',
          resolved_on: event.data.resolvedOn,
          outcome: event.data.outcome,
          remedies: [...event.data.remedies],
          late: event.data.late,
        }
      );
    case 'ComplaintEscalated':
      return row && { ...row, escalations: [...row.escalations, { deadline: event.data.deadline, due: event.data.due, escalatedOn: event.data.escalatedOn }] };
    default:
      return undefined;
  }
}

export const complaintsProjection: Projection = rowProjection<ComplaintRow>({
  name: 'selfservice_complaints',
  version: 2,
  table: COMPLAINTS_TABLE,
  ddl: `CREATE TABLE {table} (
    complaint_id text PRIMARY KEY, customer_id text NOT NULL, kind text NOT NULL, category text NOT NULL, source text NOT NULL,
    loan_id text, case_ids jsonb NOT NULL, case_teams jsonb NOT NULL, case_collectors jsonb NOT NULL, status text NOT NULL,
    raised_by text NOT NULL, raised_by_role text NOT NULL, raised_on text NOT NULL, acknowledge_by text NOT NULL, resolve_by text NOT NULL,
    acknowledged_on text, investigator_id text, investigator_team text, investigation_started_on text,
    resolved_on text, outcome text, remedies jsonb NOT NULL, late boolean, escalations jsonb NOT NULL, channel text, extension jsonb);
    CREATE INDEX {table}_customer ON {table} (customer_id);
    CREATE INDEX {table}_open ON {table} (status, resolve_by)`,
  key: 'complaint_id',
  ...perAggregate('selfservice.complaint-', COMPLAINT_EVENT_TYPES, 'complaintId'),
  evolve: evolveComplaintRow,
});
