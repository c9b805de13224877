import { deciderSpec } from '#kernel/testing';
import { customerDecider, type CommitmentFacts, type CustomerCommand, type CustomerEvent } from '../src/domain/customer.js';
import type { RestructuringAccepted } from '../src/domain/request/events.js';

/** A customer's restructurings: the stream that owns the lookback rule across the customer's loans. */
const spec = deciderSpec(customerDecider);
const CUSTOMER = 'C-1';
const loanOf = (requestId: string) => `L-${requestId}`;
const acceptance = (requestId: string, on: string) =>
  ({ requestId, loanId: loanOf(requestId), customerId: CUSTOMER, acceptedOn: on }) as unknown as RestructuringAccepted['data'];
const committedData = (requestId: string, on: string) => ({
  customerId: CUSTOMER,
  loanId: loanOf(requestId),
  requestId,
  committedOn: on,
  requestRevision: 4,
  acceptanceEventId: `e-${requestId}`,
  acceptance: acceptance(requestId, on),
});
const committed = (requestId: string, on: string): CustomerEvent => ({ type: 'RestructuringCommitted', data: committedData(requestId, on) });
const voided = (requestId: string, reason: 'ActivationFailed' | 'NOT_ACCEPTED', on: string): CustomerEvent => ({
  type: 'RestructuringCommitmentVoided',
  data: { customerId: CUSTOMER, requestId, reason, voidedOn: on },
});
const commit = (requestId: string, on: string, recent: Record<string, CommitmentFacts> = {}): CustomerCommand => ({
  type: 'CommitRestructuring',
  data: {
    customerId: CUSTOMER,
    loanId: loanOf(requestId),
    requestId,
    requestRevision: 4,
    acceptanceEventId: `e-${requestId}`,
    acceptance: acceptance(requestId, on),
    lookbackMonths: 12,
    businessDate: on,
    recent,
  },
});

describe('customer restructurings', () => {
  it('commits the first restructuring of a customer, and one whose predecessor is outside the lookback', () => {
    spec
      .given([])
      .when(commit('r-1', '2024-03-20'))
      .then([committed('r-1', '2024-03-20')]);
    // 2023-03-20 is exactly the cutoff (twelve months before): outside the lookback, as in the assessment.
    spec
      .given([committed('r-1', '2023-03-20')])
      .when(commit('r-2', '2024-03-20'))
      .then([committed('r-2', '2024-03-20')]);
  });

  it('refuses a restructuring of another loan inside the lookback while the earlier one is in effect', () => {
    const error = spec
      .given([committed('r-1', '2023-03-21')])
      .when(commit('r-2', '2024-03-20', { 'r-1': { status: 'in_effect' } }))
      .thenError('RECENT_RESTRUCTURING');
    expect(error.category).toBe('conflict');
    // The other loan's request is not named: only the dates the rule compared.
    expect(error.details).toEqual({ rule: 'NO_RECENT_RESTRUCTURING', lastRestructuredOn: '2023-03-21', lookbackMonths: 12, cutoff: '2023-03-20' });
  });

  it('voids a recent commitment that never took effect in the same append that commits the next', () => {
    spec
      .given([committed('r-1', '2024-03-01')])
      .when(commit('r-2', '2024-03-20', { 'r-1': { status: 'void', reason: 'ActivationFailed' } }))
      .then([voided('r-1', 'ActivationFailed', '2024-03-20'), committed('r-2', '2024-03-20')]);
    spec
      .given([committed('r-1', '2024-03-01'), voided('r-1', 'NOT_ACCEPTED', '2024-03-10')])
      .when(commit('r-2', '2024-03-20'))
      .then([committed('r-2', '2024-03-20')]);
  });

  it('asks for the facts of every recent commitment before deciding', () => {
    spec
      .given([committed('r-1', '2024-03-01')])
      .when(commit('r-2', '2024-03-20'))
      .thenError('COMMITMENT_FACTS_UNKNOWN');
  });

  it('commits a request once: a repeat decides nothing', () => {
    spec
      .given([committed('r-1', '2024-03-20')])
      .when(commit('r-1', '2024-03-20'))
      .then([]);
  });

  it('voids a commitment once, and only one it holds', () => {
    const voidIt = (requestId: string): CustomerCommand => ({
      type: 'VoidCommitment',
      data: { customerId: CUSTOMER, requestId, reason: 'ActivationFailed', businessDate: '2024-03-21' },
    });
    spec
      .given([committed('r-1', '2024-03-20')])
      .when(voidIt('r-1'))
      .then([voided('r-1', 'ActivationFailed', '2024-03-21')]);
    spec
      .given([committed('r-1', '2024-03-20'), voided('r-1', 'ActivationFailed', '2024-03-21')])
      .when(voidIt('r-1'))
      .then([]);
    spec
      .given([committed('r-1', '2024-03-20')])
      .when(voidIt('r-2'))
      .then([]);
  });
});
