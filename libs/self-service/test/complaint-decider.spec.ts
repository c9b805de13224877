import { deciderSpec } from '#kernel/testing';
import { complaintDecider, DEFAULT_COMPLAINT_POLICY, type ComplaintEvent, type ComplaintRaised, type RaiseComplaint } from '../src/domain/complaint.js';

const spec = deciderSpec(complaintDecider);
const customer = { id: 'C-1', role: 'customer' as const };
const supervisorB = { id: 'sup-b', role: 'supervisor' as const };
const supervisorA = { id: 'sup-a', role: 'supervisor' as const };

const raise = (over: Partial<RaiseComplaint['data']> = {}): RaiseComplaint => ({
  type: 'RaiseComplaint',
  data: {
    complaintId: 'K-1',
    customerId: 'C-1',
    kind: 'DISPUTE',
    category: 'DEBT_AMOUNT',
    source: 'CUSTOMER',
    loanId: 'L-1',
    caseIds: ['case-1'],
    caseTeams: ['team-a'],
    caseCollectors: ['col-a'],
    statementRef: null,
    raisedBy: customer,
    raisedOn: '2025-03-01',
    policy: DEFAULT_COMPLAINT_POLICY,
    ...over,
  },
});

const raised = (): ComplaintRaised => {
  const events = spec.given([]).when(raise()).thenTypes(['ComplaintRaised']);
  return events[0] as ComplaintRaised;
};

const justRaised = (): ComplaintEvent[] => [raised()];

/** Raised, acknowledged and under investigation by supervisor B (of team B). */
const underInvestigation = (): ComplaintEvent[] => [
  raised(),
  { type: 'ComplaintAcknowledged', data: { complaintId: 'K-1', acknowledgedBy: supervisorB, acknowledgedOn: '2025-03-02' } },
  { type: 'ComplaintInvestigationStarted', data: { complaintId: 'K-1', investigator: supervisorB, investigatorTeam: 'team-b', startedOn: '2025-03-02' } },
];

const resolve = (over: object) => ({
  type: 'ResolveComplaint' as const,
  data: {
    complaintId: 'K-1',
    outcome: 'UPHELD' as const,
    remedies: ['FEE_REFUND' as const],
    resolutionRef: null,
    by: supervisorB,
    businessDate: '2025-03-10',
    ...over,
  },
});

const extend = (over: object) => ({
  type: 'ExtendResolutionDeadline' as const,
  data: {
    complaintId: 'K-1',
    days: 15,
    reason: 'COMPLEX_CASE' as const,
    noticeRef: 'doc:notice-1',
    by: supervisorB,
    businessDate: '2025-03-10',
    policy: DEFAULT_COMPLAINT_POLICY,
    ...over,
  },
});

const escalate = (closedDate: string) => ({ type: 'EscalateOverdue' as const, data: { complaintId: 'K-1', closedDate } });

describe('the complaint decider', () => {
  it('dates the deadlines from the business date it was raised on, by the policy', () => {
    const e = raised();
    expect(e.data).toMatchObject({ raisedOn: '2025-03-01', acknowledgeBy: '2025-03-03', resolveBy: '2025-03-16', caseIds: ['case-1'] });
    expect(
      spec
        .given([])
        .when(raise({ policy: { version: 'p', acknowledgeWithinDays: 0, resolveWithinDays: 5, maxExtensionDays: 15 } }))
        .thenTypes(['ComplaintRaised'])[0].data,
    ).toMatchObject({ acknowledgeBy: '2025-03-01', resolveBy: '2025-03-06' });
  });

  it.each([
    ['a customer raising for another customer', raise({ raisedBy: { id: 'C-2', role: 'customer' } }), 'COMPLAINT_SOURCE_MISMATCH'],
    ['a customer claiming to be staff', raise({ source: 'STAFF' }), 'COMPLAINT_SOURCE_MISMATCH'],
    ['a regulator referral without its letter', raise({ source: 'REGULATOR', raisedBy: supervisorA }), 'REFERRAL_REF_REQUIRED'],
    ['a date that is not one', raise({ raisedOn: '2025-02-30x' }), 'INVALID_DATE'],
    [
      'acknowledgement later than resolution',
      raise({ policy: { version: 'p', acknowledgeWithinDays: 9, resolveWithinDays: 3, maxExtensionDays: 15 } }),
      'INVALID_COMPLAINT_POLICY',
    ],
  ])('refuses %s', (_what, command, code) => {
    spec.given([]).when(command).thenError(code);
  });

  it('is raised once: the same again is nothing new, another under its id a conflict', () => {
    const e = raised();
    spec.given([e]).when(raise()).then([]);
    spec
      .given([e])
      .when(raise({ raisedOn: '2025-03-02' }))
      .thenError('COMPLAINT_EXISTS');
  });

  it('is investigated only by someone outside the teams and collectors of its cases, and acknowledged on the way', () => {
    const e = raised();
    spec
      .given([e])
      .when({ type: 'StartInvestigation', data: { complaintId: 'K-1', investigator: supervisorA, investigatorTeam: 'team-a', businessDate: '2025-03-02' } })
      .thenError('INVESTIGATOR_NOT_INDEPENDENT');
    spec
      .given([e])
      .when({
        type: 'StartInvestigation',
        data: { complaintId: 'K-1', investigator: { id: 'col-a', role: 'collector' }, investigatorTeam: null, businessDate: '2025-03-02' },
      })
      .thenError('INVESTIGATOR_NOT_ALLOWED');
    spec
      .given([e])
      .when({ type: 'StartInvestigation', data: { complaintId: 'K-1', investigator: supervisorB, investigatorTeam: 'team-b', businessDate: '2025-03-02' } })
      .thenTypes(['ComplaintAcknowledged', 'ComplaintInvestigationStarted']);
  });

  it.each([
    ['once investigated', justRaised, {}, 'INVESTIGATION_REQUIRED'],
    ['by its investigator', underInvestigation, { by: supervisorA }, 'RESOLVER_NOT_INVESTIGATOR'],
    ['with no remedy beyond an apology when not upheld', underInvestigation, { outcome: 'NOT_UPHELD', remedies: ['FEE_REFUND'] }, 'REMEDY_WITHOUT_FINDING'],
    ['with a remedy when upheld', underInvestigation, { remedies: ['NONE'] }, 'REMEDY_REQUIRED'],
    ['on or after the day it was raised', underInvestigation, { businessDate: '2025-02-28' }, 'DATE_BEFORE_COMPLAINT'],
  ])('is resolved only %s', (_what, history, over, code) => {
    spec.given(history()).when(resolve(over)).thenError(code);
  });

  it('is resolved by its investigator with an outcome and remedies that fit it; late when past its deadline', () => {
    const investigated = underInvestigation();
    const [onTime] = spec.given(investigated).when(resolve({})).thenTypes(['ComplaintResolved']);
    expect(onTime.data).toMatchObject({ outcome: 'UPHELD', remedies: ['FEE_REFUND'], caseIds: ['case-1'], late: false, customerId: 'C-1', kind: 'DISPUTE' });
    const [late] = spec
      .given(investigated)
      .when(resolve({ businessDate: '2025-03-17' }))
      .thenTypes(['ComplaintResolved']);
    expect(late.data).toMatchObject({ late: true });
    spec
      .given([...investigated, onTime])
      .when(resolve({}))
      .then([]);
    spec
      .given([...investigated, onTime])
      .when({ type: 'AcknowledgeComplaint', data: { complaintId: 'K-1', by: supervisorB, businessDate: '2025-03-11' } })
      .thenError('COMPLAINT_RESOLVED');
  });

  it('escalates each missed deadline once, at the close of the day it fell on or later, and never a resolved complaint', () => {
    const e = raised();
    spec.given([e]).when(escalate('2025-03-02')).then([]);
    const [ack] = spec.given([e]).when(escalate('2025-03-03')).thenTypes(['ComplaintEscalated']);
    expect(ack.data).toMatchObject({ deadline: 'ACKNOWLEDGEMENT', due: '2025-03-03', escalatedOn: '2025-03-03' });
    spec.given([e, ack]).when(escalate('2025-03-04')).then([]);
    const [res] = spec.given([e, ack]).when(escalate('2025-03-16')).thenTypes(['ComplaintEscalated']);
    expect(res.data).toMatchObject({ deadline: 'RESOLUTION', due: '2025-03-16' });
    spec.given([e, ack, res]).when(escalate('2025-03-20')).then([]);
    // Acknowledged in time: only the resolution deadline can be missed.
    const acked: ComplaintEvent = { type: 'ComplaintAcknowledged', data: { complaintId: 'K-1', acknowledgedBy: supervisorB, acknowledgedOn: '2025-03-02' } };
    spec.given([e, acked]).when(escalate('2025-03-20')).thenTypes(['ComplaintEscalated']);
    const resolved: ComplaintEvent = {
      type: 'ComplaintResolved',
      data: {
        complaintId: 'K-1',
        customerId: 'C-1',
        kind: 'DISPUTE',
        outcome: 'NOT_UPHELD',
        remedies: ['NONE'],
        resolutionRef: null,
        resolvedBy: supervisorB,
        resolvedOn: '2025-03-05',
        caseIds: ['case-1'],
        late: false,
      },
    };
    spec.given([e, acked, resolved]).when(escalate('2025-03-20')).then([]);
  });

  it.each([
    ['once investigated', justRaised, {}, 'INVESTIGATION_REQUIRED'],
    ['by its investigator', underInvestigation, { by: supervisorA }, 'EXTENDER_NOT_INVESTIGATOR'],
    ['by no more days than the policy allows', underInvestigation, { days: 16 }, 'EXTENSION_TOO_LONG'],
    ['by a day or more', underInvestigation, { days: 0 }, 'EXTENSION_TOO_LONG'],
    [
      'where the policy allows an extension',
      underInvestigation,
      { policy: { ...DEFAULT_COMPLAINT_POLICY, maxExtensionDays: 0 }, days: 1 },
      'EXTENSION_TOO_LONG',
    ],
    ['before the deadline passes', underInvestigation, { businessDate: '2025-03-17' }, 'DEADLINE_PASSED'],
  ])('has its deadline extended only %s', (_what, history, over, code) => {
    spec.given(history()).when(extend(over)).thenError(code);
  });

  it('has its resolution deadline extended by its investigator, once, within the policy, before it passes; escalation then keeps to the new deadline', () => {
    const investigated = underInvestigation(); // resolve by 2025-03-16
    const [extended] = spec
      .given(investigated)
      .when(extend({ businessDate: '2025-03-16' }))
      .thenTypes(['ComplaintDeadlineExtended']);
    expect(extended.data).toMatchObject({
      previousResolveBy: '2025-03-16',
      resolveBy: '2025-03-31',
      days: 15,
      reason: 'COMPLEX_CASE',
      extendedOn: '2025-03-16',
      customerId: 'C-1',
    });
    spec
      .given([...investigated, extended])
      .when(extend({ days: 1 }))
      .thenError('DEADLINE_ALREADY_EXTENDED');
    spec
      .given([...investigated, extended])
      .when(escalate('2025-03-16'))
      .then([]);
    expect(
      spec
        .given([...investigated, extended])
        .when(escalate('2025-03-31'))
        .thenTypes(['ComplaintEscalated'])[0].data,
    ).toMatchObject({ deadline: 'RESOLUTION', due: '2025-03-31' });
    expect(
      spec
        .given([...investigated, extended])
        .when(resolve({ outcome: 'NOT_UPHELD', remedies: ['NONE'], businessDate: '2025-03-20' }))
        .thenTypes(['ComplaintResolved'])[0].data,
    ).toMatchObject({ late: false });
  });

  it('is acknowledged by the bank, not the customer', () => {
    spec
      .given([raised()])
      .when({ type: 'AcknowledgeComplaint', data: { complaintId: 'K-1', by: customer, businessDate: '2025-03-01' } })
      .thenError('STAFF_REQUIRED');
  });
});
