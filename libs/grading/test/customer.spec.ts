import { deciderSpec } from '#kernel/testing';
import { customerDecider, type CustomerEvent, type CustomerGraded } from '../src/domain/customer.js';
import { delinquentLoan, loan, POLICY, policyWith, PROFILE, trigger } from './fixtures.js';

const spec = deciderSpec(customerDecider);
const profileUpdated: CustomerEvent = {
  type: 'CustomerProfileUpdated',
  data: { customerId: 'C1', facts: PROFILE, changed: ['bureauScore', 'monthlyIncome', 'monthlyObligations'], source: 'core-banking', asOf: '2026-03-01' },
};

function graded(events: readonly CustomerEvent[], loans = [loan()], asOf = '2026-03-01', policy = POLICY): CustomerGraded {
  const result = spec.given(events).when({ type: 'Regrade', customerId: 'C1', asOf, policy, loans, trigger: trigger() }).thenTypes(['CustomerGraded']);
  return result[0] as CustomerGraded;
}

describe('customer grading', () => {
  it('a regrade records the grade, the score, every factor with its value and points, the policy and the trigger', () => {
    const t = trigger('LoanRegistered');
    const [event] = spec
      .given([profileUpdated])
      .when({ type: 'Regrade', customerId: 'C1', asOf: '2026-03-01', policy: POLICY, loans: [loan()], trigger: t })
      .thenTypes(['CustomerGraded']);
    expect(event.data).toMatchObject({
      customerId: 'C1',
      grade: 'A',
      previousGrade: null,
      score: 640,
      override: null,
      policyId: 'consumer-2026',
      policyVersion: 1,
      asOf: '2026-03-01',
      triggerEventId: t.eventId,
      triggerType: 'LoanRegistered',
      triggerPosition: t.position,
    });
    expect((event as CustomerGraded).data.factors).toContainEqual({ factor: 'debtToIncomeBps', value: 3500, points: 10 });
  });

  it('a delinquency trigger moves the grade, recording the previous one', () => {
    const first = graded([profileUpdated]);
    const second = graded([profileUpdated, first], [delinquentLoan(45, '2026-03-01')]);
    expect(second.data).toMatchObject({ grade: 'D', previousGrade: 'A', score: 420 });
  });

  it.each([
    ['nothing changed (same facts, same policy)', '2026-03-01'],
    ['a value moves within its bin (one more month on book)', '2026-04-01'],
  ])('no event when %s', (_case, asOf) => {
    const first = graded([profileUpdated]);
    spec
      .given([profileUpdated, first])
      .when({ type: 'Regrade', customerId: 'C1', asOf, policy: POLICY, loans: [loan()], trigger: trigger() })
      .then([]);
  });

  it('a new policy version regrades even when the grade stays', () => {
    const first = graded([profileUpdated]);
    const next = graded([profileUpdated, first], [loan()], '2026-03-01', { ...POLICY, version: 2 });
    expect(next.data).toMatchObject({ grade: 'A', previousGrade: 'A', policyVersion: 2 });
  });

  it('a changed bin changes the points and the score, so the customer is regraded', () => {
    const first = graded([profileUpdated]);
    const stricter = policyWith((d) => ({
      ...d,
      factors: {
        ...d.factors,
        bureauScore: {
          ...d.factors.bureauScore,
          bins: [
            { from: null, to: 700, points: -20 },
            { from: 700, to: null, points: 60 },
          ],
        },
      },
    }));
    const next = graded([profileUpdated, first], [loan()], '2026-03-01', stricter);
    expect(next.data).toMatchObject({ grade: 'B', previousGrade: 'A', score: 600, policyId: 'consumer-2026b' });
  });

  it('an older trigger never replaces a grade given on a newer one', () => {
    const older = trigger();
    const newer = trigger();
    const [event] = spec
      .given([profileUpdated])
      .when({ type: 'Regrade', customerId: 'C1', asOf: '2026-03-01', policy: POLICY, loans: [loan()], trigger: newer })
      .thenTypes(['CustomerGraded']);
    spec
      .given([profileUpdated, event])
      .when({ type: 'Regrade', customerId: 'C1', asOf: '2026-03-01', policy: POLICY, loans: [delinquentLoan(45, '2026-03-01')], trigger: older })
      .then([]);
    spec
      .given([profileUpdated, event])
      .when({ type: 'Regrade', customerId: 'C1', asOf: '2026-03-01', policy: POLICY, loans: [delinquentLoan(45, '2026-03-01')], trigger: newer })
      .then([]);
  });

  it('a grade never speaks for an earlier day than the last one', () => {
    const first = graded([profileUpdated], [loan()], '2026-03-10');
    const next = graded([profileUpdated, first], [delinquentLoan(45, '2026-03-01')], '2026-03-01');
    expect(next.data.asOf).toBe('2026-03-10');
    expect(next.data.factors.find((f) => f.factor === 'currentDpd')?.value).toBe(54);
  });

  it('nothing is graded while no policy is in force', () => {
    spec
      .given([profileUpdated])
      .when({ type: 'Regrade', customerId: 'C1', asOf: '2026-03-01', policy: null, loans: [loan()], trigger: trigger() })
      .then([]);
  });

  it('an override flag in the profile gives the override grade with no score', () => {
    const deceased: CustomerEvent = {
      ...profileUpdated,
      data: { ...profileUpdated.data, facts: { ...PROFILE, flags: { ...PROFILE.flags, deceased: true } } },
    } as CustomerEvent;
    const event = graded([deceased]);
    expect(event.data).toMatchObject({ grade: 'HOLD', score: null, factors: [], override: { flag: 'deceased', action: 'hold' } });
  });

  describe('triggers', () => {
    it('a profile report changes only what it reports, and records which facts changed', () => {
      spec
        .given([profileUpdated])
        .when({
          type: 'UpdateProfile',
          customerId: 'C1',
          changes: { bureauScore: 710, flags: { activeDispute: true } },
          source: 'credit-bureau',
          asOf: '2026-03-05',
        })
        .then([
          {
            type: 'CustomerProfileUpdated',
            data: {
              customerId: 'C1',
              facts: { ...PROFILE, bureauScore: 710, flags: { ...PROFILE.flags, activeDispute: true } },
              changed: ['bureauScore', 'flags.activeDispute'],
              source: 'credit-bureau',
              asOf: '2026-03-05',
            },
          },
        ]);
    });

    it('a profile report that changes nothing records nothing', () => {
      spec
        .given([profileUpdated])
        .when({ type: 'UpdateProfile', customerId: 'C1', changes: { bureauScore: 650 }, source: 'credit-bureau', asOf: '2026-03-05' })
        .then([]);
    });

    it('a broken promise is recorded once and lowers the score', () => {
      const broken: CustomerEvent = { type: 'PromiseOutcomeRecorded', data: { customerId: 'C1', promiseId: 'PTP-1', outcome: 'broken', on: '2026-02-20' } };
      spec
        .given([profileUpdated])
        .when({ type: 'RecordPromiseOutcome', customerId: 'C1', promiseId: 'PTP-1', outcome: 'broken', on: '2026-02-20' })
        .then([broken]);
      spec
        .given([profileUpdated, broken])
        .when({ type: 'RecordPromiseOutcome', customerId: 'C1', promiseId: 'PTP-1', outcome: 'broken', on: '2026-02-20' })
        .then([]);
      spec
        .given([profileUpdated, broken])
        .when({ type: 'RecordPromiseOutcome', customerId: 'C1', promiseId: 'PTP-1', outcome: 'kept', on: '2026-02-21' })
        .thenError('PROMISE_OUTCOME_CONFLICT');
      const first = graded([profileUpdated]);
      const after = graded([profileUpdated, first, broken]);
      expect(after.data).toMatchObject({ grade: 'B', score: 610 });
      expect(after.data.factors.find((f) => f.factor === 'brokenPromises12m')).toEqual({ factor: 'brokenPromises12m', value: 1, points: -20 });
    });

    it('an activated restructuring counts until it is broken or completed', () => {
      const activated: CustomerEvent = {
        type: 'RestructuringStatusRecorded',
        data: { customerId: 'C1', restructuringId: 'RS-1', status: 'activated', on: '2026-02-01' },
      };
      const broken: CustomerEvent = {
        type: 'RestructuringStatusRecorded',
        data: { customerId: 'C1', restructuringId: 'RS-1', status: 'broken', on: '2026-02-25' },
      };
      expect(graded([profileUpdated, activated]).data.factors.find((f) => f.factor === 'activeRestructuring')).toEqual({
        factor: 'activeRestructuring',
        value: 1,
        points: -30,
      });
      expect(graded([profileUpdated, activated, broken]).data.factors.find((f) => f.factor === 'activeRestructuring')).toEqual({
        factor: 'activeRestructuring',
        value: 0,
        points: 0,
      });
      spec
        .given([profileUpdated, activated, broken])
        .when({ type: 'RecordRestructuringStatus', customerId: 'C1', restructuringId: 'RS-1', status: 'activated', on: '2026-03-01' })
        .thenError('RESTRUCTURING_STATUS_CONFLICT');
    });
  });
});
