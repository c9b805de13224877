import type { RecordedEvent } from '#kernel';
import { rowProjection } from '#projections';
import { RESTRUCTURING_EVENT_TYPES, type RestructuringEvent } from '../domain/request/events.js';
import { recordedTerms } from '../domain/plan.js';

/**
 * Read models of the restructuring context.
 * - `rm_restructuring_requests`: one row per request, everything a detail view, the supervisors'
 *   approval queue, the end-of-day sweep and the plan performance figures need.
 * - `rm_restructuring_customer_grades`: the latest grade the grading context published for each
 *   customer (its `CustomerGraded` events), used when a request is filed.
 */

export interface RequestRow {
  [column: string]: unknown;
  request_id: string;
  loan_id: string;
  customer_id: string;
  type: string;
  status: string;
  terms: unknown;
  hardship_reason: string;
  evidence_refs: unknown;
  monthly_income: number | string;
  grade: string;
  grade_source: string;
  stage: string;
  dpd: number;
  requested_by: string;
  requested_on: string;
  assessment: unknown;
  assessed_on: string | null;
  policy_version: string | null;
  approvals_required: number | null;
  approvals: unknown;
  restructured_principal: number | string | null;
  plan: unknown;
  plan_source: string | null;
  rejection: unknown;
  offer: unknown;
  offer_expires_on: string | null;
  acceptance: unknown;
  effective_date: string | null;
  observation_ends: string | null;
  installments: unknown;
  activation_stage: string | null;
  closed_on: string | null;
  closure: unknown;
  revision: number;
  updated_at: string;
}

const REQUESTS_DDL = `CREATE TABLE {table} (
  request_id text PRIMARY KEY,
  loan_id text NOT NULL,
  customer_id text NOT NULL,
  type text NOT NULL,
  status text NOT NULL,
  terms jsonb NOT NULL,
  hardship_reason text NOT NULL,
  evidence_refs jsonb NOT NULL,
  monthly_income bigint NOT NULL,
  grade text NOT NULL,
  grade_source text NOT NULL,
  stage text NOT NULL,
  dpd integer NOT NULL,
  requested_by text NOT NULL,
  requested_on text NOT NULL,
  assessment jsonb,
  assessed_on text,
  policy_version text,
  approvals_required integer,
  approvals jsonb NOT NULL,
  restructured_principal bigint,
  plan jsonb,
  plan_source text,
  rejection jsonb,
  offer jsonb,
  offer_expires_on text,
  acceptance jsonb,
  effective_date text,
  observation_ends text,
  installments jsonb,
  activation_stage text,
  closed_on text,
  closure jsonb,
  revision integer NOT NULL,
  updated_at text NOT NULL
);
CREATE INDEX {table}_status ON {table} (status, requested_on);
CREATE INDEX {table}_loan ON {table} (loan_id);
CREATE INDEX {table}_customer ON {table} (customer_id)`;

function evolveRequest(row: RequestRow | undefined, recorded: RecordedEvent): RequestRow | undefined {
  const event = recorded as unknown as RestructuringEvent & RecordedEvent;
  const touched = (r: RequestRow, change: Partial<RequestRow>): RequestRow => ({
    ...r,
    ...change,
    revision: recorded.revision,
    updated_at: recorded.recordedAt,
  });
  if (event.type === 'RestructuringRequested') {
    const d = event.data;
    return {
      request_id: d.requestId,
      loan_id: d.loanId,
      customer_id: d.customerId,
      type: d.type,
      status: 'Requested',
      // Names the rounding convention an old request used (CUMULATIVE_FLOOR when none was recorded).
      terms: recordedTerms(d.terms),
      hardship_reason: d.hardship.reasonCode,
      evidence_refs: d.hardship.evidenceRefs,
      monthly_income: d.monthlyIncome,
      grade: d.grade,
      grade_source: d.gradeSource,
      stage: d.stage,
      dpd: d.dpd,
      requested_by: d.requestedBy,
      requested_on: d.requestedOn,
      assessment: null,
      assessed_on: null,
      policy_version: null,
      approvals_required: null,
      approvals: [],
      restructured_principal: null,
      plan: null,
      plan_source: null,
      rejection: null,
      offer: null,
      offer_expires_on: null,
      acceptance: null,
      effective_date: null,
      observation_ends: null,
      installments: null,
      activation_stage: null,
      closed_on: null,
      closure: null,
      revision: recorded.revision,
      updated_at: recorded.recordedAt,
    };
  }
  if (!row) return undefined;
  switch (event.type) {
    case 'RestructuringAssessed': {
      const d = event.data;
      return touched(row, {
        status: d.outcome === 'PASSED' ? 'Assessed' : 'AssessmentFailed',
        assessment: {
          outcome: d.outcome,
          checks: d.checks,
          assessedBy: d.assessedBy,
          assessedOn: d.assessedOn,
          stage: d.stage,
          dpd: d.dpd,
          approvalsRequired: d.approvalsRequired,
        },
        assessed_on: d.assessedOn,
        policy_version: d.policy.version,
        approvals_required: d.approvalsRequired,
        restructured_principal: d.plan?.restructuredPrincipal ?? null,
        plan: d.plan,
        plan_source: 'ASSESSMENT',
        stage: d.stage,
        dpd: d.dpd,
      });
    }
    case 'RestructuringApproved': {
      const d = event.data;
      const approvals = [...((row.approvals as unknown[]) ?? []), { approverId: d.approverId, approval: d.approval, approvedOn: d.approvedOn }];
      return touched(row, { status: d.final ? 'Approved' : 'PartiallyApproved', approvals });
    }
    case 'RestructuringRejected': {
      const d = event.data;
      return touched(row, {
        status: 'Rejected',
        rejection: { rejectedBy: d.rejectedBy, reasonCode: d.reasonCode, rejectedOn: d.rejectedOn },
        closed_on: d.rejectedOn,
      });
    }
    case 'RestructuringOffered': {
      const d = event.data;
      return touched(row, {
        status: 'Offered',
        offer: { channel: d.channel, offeredBy: d.offeredBy, offeredOn: d.offeredOn, expiresOn: d.expiresOn },
        offer_expires_on: d.expiresOn,
        plan: d.plan,
        plan_source: 'OFFER',
      });
    }
    case 'RestructuringAccepted': {
      const d = event.data;
      return touched(row, {
        status: 'Accepted',
        acceptance: { acceptedOn: d.acceptedOn, channel: d.channel, recordedBy: d.recordedBy, evidenceRef: d.evidenceRef },
      });
    }
    case 'RestructuringOfferExpired':
      return touched(row, { status: 'OfferExpired', closed_on: event.data.expiredOn });
    case 'RestructuringActivated': {
      const d = event.data;
      return touched(row, {
        status: 'Active',
        effective_date: d.effectiveDate,
        observation_ends: d.observationEnds,
        restructured_principal: d.restructuredPrincipal,
        installments: d.installments.map((i) => ({ ...i, status: 'Pending', paidOn: null, daysLate: null })),
        activation_stage: d.stage,
        plan: {
          startsOn: d.effectiveDate,
          restructuredPrincipal: d.restructuredPrincipal,
          carriedCharges: d.carriedCharges,
          waivedPenalty: d.waivedPenalty,
          installments: d.installments,
        },
        plan_source: 'ACTIVATION',
      });
    }
    case 'RestructuringActivationFailed': {
      const d = event.data;
      return touched(row, { status: 'ActivationFailed', closed_on: d.failedOn, closure: { code: d.code, reason: d.reason } });
    }
    case 'PlanInstallmentPaid':
    case 'PlanInstallmentMissed':
    case 'PlanInstallmentPaymentReversed':
    case 'PlanBroken': {
      const d = event.data;
      const status =
        event.type === 'PlanInstallmentPaid'
          ? 'Paid'
          : event.type === 'PlanInstallmentPaymentReversed'
            ? 'Pending'
            : event.type === 'PlanBroken'
              ? 'Broken'
              : 'Missed';
      const installments = ((row.installments as Array<Record<string, unknown>>) ?? []).map((i) =>
        i.n === d.n
          ? {
              ...i,
              status,
              paidOn: event.type === 'PlanInstallmentPaid' ? event.data.paidOn : null,
              daysLate: event.type === 'PlanInstallmentPaid' || event.type === 'PlanBroken' ? event.data.daysLate : i.daysLate,
            }
          : i,
      );
      if (event.type === 'PlanBroken') {
        return touched(row, {
          status: 'Broken',
          installments,
          closed_on: event.data.brokenOn,
          closure: { n: d.n, dueDate: event.data.dueDate, daysLate: event.data.daysLate },
        });
      }
      return touched(row, { installments });
    }
    case 'PlanCompleted':
      return touched(row, { status: 'Completed', closed_on: event.data.completedOn, closure: { installmentsObserved: event.data.installmentsObserved } });
    default:
      return undefined;
  }
}

export const requestsProjection = rowProjection<RequestRow>({
  name: 'restructuring_requests',
  version: 1,
  table: 'rm_restructuring_requests',
  ddl: REQUESTS_DDL,
  key: 'request_id',
  filter: { streamPrefixes: ['restructuring.request-'], eventTypes: [...RESTRUCTURING_EVENT_TYPES] },
  keyOf: (e) => (e.data as { requestId?: string }).requestId ?? null,
  evolve: evolveRequest,
});

export interface GradeRow {
  [column: string]: unknown;
  customer_id: string;
  grade: string;
  as_of: string;
}

/** The grading context's published grades: the newest business date wins. */
export const customerGradesProjection = rowProjection<GradeRow>({
  name: 'restructuring_customer_grades',
  version: 1,
  table: 'rm_restructuring_customer_grades',
  ddl: `CREATE TABLE {table} (customer_id text PRIMARY KEY, grade text NOT NULL, as_of text NOT NULL)`,
  key: 'customer_id',
  filter: { streamPrefixes: ['grading.customer-'], eventTypes: ['CustomerGraded'] },
  keyOf: (e) => {
    const id = (e.data as { customerId?: unknown }).customerId;
    return typeof id === 'string' ? id : null;
  },
  evolve(row, e) {
    const d = e.data as { customerId: string; grade: string; asOf: string };
    if (row && row.as_of > d.asOf) return undefined;
    return { customer_id: d.customerId, grade: d.grade, as_of: d.asOf };
  },
});
