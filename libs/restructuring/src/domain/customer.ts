import { addMonths, compareDates, domainError, type BusinessDate, type Decider, type DomainEvent, type DomainError } from '#kernel';
import type { RestructuringAccepted } from './request/events.js';

/**
 * A customer's restructurings (stream `restructuring.customer-<customerId>`): the stream that owns
 * the lookback rule across the customer's loans ("no restructuring of the customer took effect
 * within `lookbackMonths`", `NO_RECENT_RESTRUCTURING`). A restructuring is committed here when the
 * customer accepts its offer (the acceptance is the date it takes effect), by an append at the
 * stream's revision: of two acceptances racing on two loans of one customer, exactly one commits
 * and the other is refused 409 `RECENT_RESTRUCTURING`. Nothing else decides the rule.
 *
 * The commitment carries the request's acceptance (the event, the id it is stored under and the
 * request's revision it follows), so it is the commitment: the request's stream is written right
 * after it from exactly these facts, and whoever finds a commitment whose acceptance is not on the
 * request yet writes the same event under the same id at that revision (the store keeps it once).
 * A commitment whose acceptance can no longer be written (the offer expired first) or whose
 * activation failed never took effect: it is voided, by the activation that failed or by the next
 * acceptance it would stand in the way of.
 */

export const customerStream = (customerId: string): string => `restructuring.customer-${customerId}`;

export type RestructuringCommitted = DomainEvent<
  'RestructuringCommitted',
  {
    readonly customerId: string;
    readonly loanId: string;
    readonly requestId: string;
    /** The business date the restructuring takes effect: the acceptance date. */
    readonly committedOn: BusinessDate;
    /** The request stream's revision the acceptance is appended after. */
    readonly requestRevision: number;
    /** The id the request's RestructuringAccepted event is stored under. */
    readonly acceptanceEventId: string;
    /** The request's acceptance, as decided. */
    readonly acceptance: RestructuringAccepted['data'];
  }
>;

/** Why a commitment did not take effect. */
export type VoidReason = 'ActivationFailed' | 'NOT_ACCEPTED';

type RestructuringCommitmentVoided = DomainEvent<
  'RestructuringCommitmentVoided',
  { readonly customerId: string; readonly requestId: string; readonly reason: VoidReason; readonly voidedOn: BusinessDate }
>;

export type CustomerEvent = RestructuringCommitted | RestructuringCommitmentVoided;

export interface CustomerState {
  /** The commitments not voided, in the order committed. */
  readonly commitments: readonly RestructuringCommitted['data'][];
}

/** What the committer learned about another commitment's request (read from the request's stream). */
export type CommitmentFacts = { readonly status: 'in_effect' } | { readonly status: 'void'; readonly reason: VoidReason };

export type CustomerCommand =
  | {
      readonly type: 'CommitRestructuring';
      readonly data: {
        readonly customerId: string;
        readonly loanId: string;
        readonly requestId: string;
        readonly requestRevision: number;
        readonly acceptanceEventId: string;
        readonly acceptance: RestructuringAccepted['data'];
        readonly lookbackMonths: number;
        readonly businessDate: BusinessDate;
        /** For each commitment inside the lookback (by request id), what its request's stream says. */
        readonly recent: Readonly<Record<string, CommitmentFacts>>;
      };
    }
  | {
      readonly type: 'VoidCommitment';
      readonly data: { readonly customerId: string; readonly requestId: string; readonly reason: VoidReason; readonly businessDate: BusinessDate };
    };

export const initialCustomerState = (): CustomerState => ({ commitments: [] });

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'RestructuringCommitted':
      return { commitments: [...state.commitments.filter((c) => c.requestId !== event.data.requestId), event.data] };
    case 'RestructuringCommitmentVoided':
      return { commitments: state.commitments.filter((c) => c.requestId !== event.data.requestId) };
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

/** The commitments of other requests that took effect after `asOf − lookbackMonths` (or may yet). */
export function recentCommitments(state: CustomerState, asOf: BusinessDate, lookbackMonths: number, exceptRequestId: string): RestructuringCommitted['data'][] {
  const cutoff = addMonths(asOf, -lookbackMonths);
  return state.commitments.filter((c) => c.requestId !== exceptRequestId && compareDates(c.committedOn, cutoff) > 0);
}

export function decideCustomer(command: CustomerCommand, state: CustomerState): readonly CustomerEvent[] | DomainError {
  if (command.type === 'VoidCommitment') {
    const d = command.data;
    if (!state.commitments.some((c) => c.requestId === d.requestId)) return [];
    return [{ type: 'RestructuringCommitmentVoided', data: { customerId: d.customerId, requestId: d.requestId, reason: d.reason, voidedOn: d.businessDate } }];
  }
  const c = command.data;
  if (state.commitments.some((k) => k.requestId === c.requestId)) return [];
  const voided: CustomerEvent[] = [];
  const recent = recentCommitments(state, c.businessDate, c.lookbackMonths, c.requestId);
  for (const other of recent) {
    const facts = c.recent[other.requestId];
    if (!facts) {
      return domainError('COMMITMENT_FACTS_UNKNOWN', 'the facts about a recent commitment were not read', { requestId: other.requestId }, 'conflict');
    }
    if (facts.status === 'in_effect') {
      // Another loan's request is not the caller's to see: only the dates are named.
      return domainError(
        'RECENT_RESTRUCTURING',
        `the customer has a restructuring that took effect on ${other.committedOn}, within the policy's lookback of ${c.lookbackMonths} months`,
        {
          rule: 'NO_RECENT_RESTRUCTURING',
          lastRestructuredOn: other.committedOn,
          lookbackMonths: c.lookbackMonths,
          cutoff: addMonths(c.businessDate, -c.lookbackMonths),
        },
        'conflict',
      );
    }
    voided.push({
      type: 'RestructuringCommitmentVoided',
      data: { customerId: c.customerId, requestId: other.requestId, reason: facts.reason, voidedOn: c.businessDate },
    });
  }
  return [
    ...voided,
    {
      type: 'RestructuringCommitted',
      data: {
        customerId: c.customerId,
        loanId: c.loanId,
        requestId: c.requestId,
        committedOn: c.businessDate,
        requestRevision: c.requestRevision,
        acceptanceEventId: c.acceptanceEventId,
        acceptance: c.acceptance,
      },
    },
  ];
}

export const customerDecider: Decider<CustomerCommand, CustomerEvent, CustomerState> = {
  initialState: initialCustomerState,
  evolve: evolveCustomer,
  decide: decideCustomer,
};
