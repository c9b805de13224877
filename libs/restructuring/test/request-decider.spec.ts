import { deciderSpec } from '#kernel/testing';
import { restructuringDecider, type RestructuringCommand } from '../src/domain/request/decide.js';
import type { AssessmentRule, RestructuringAssessed, RestructuringEvent } from '../src/domain/request/events.js';
import type { RestructuringTerms } from '../src/domain/plan.js';
import {
  ASOF,
  CUSTOMER,
  LOAN,
  OWED,
  PLAN_TERMS,
  REQ,
  accept,
  activate,
  active,
  approve,
  assessCmd,
  collector,
  expire,
  history,
  observe,
  offer,
  policy,
  reject,
  request,
  snapshot,
  stateAfter,
  supervisor,
  supervisor2,
} from './fixtures.js';

const spec = deciderSpec(restructuringDecider);
const assessed = (events: readonly RestructuringEvent[]) => events.find((e) => e.type === 'RestructuringAssessed') as RestructuringAssessed;
const failedRules = (events: readonly RestructuringEvent[]) =>
  assessed(events)
    .data.checks.filter((c) => !c.passed)
    .map((c) => c.rule);

describe('RestructuringRequest: request', () => {
  it('records the request with the loan facts it was made on; evidence as document references only', () => {
    spec
      .given([])
      .when(request())
      .then([
        {
          type: 'RestructuringRequested',
          data: {
            requestId: REQ,
            loanId: LOAN,
            customerId: CUSTOMER,
            type: 'INSTALLMENT_PLAN',
            // The rounding convention the plan will use is recorded: the default, named.
            terms: { ...PLAN_TERMS, rounding: 'CONSTANT_PAYMENT' },
            hardship: { reasonCode: 'JOB_LOSS', evidenceRefs: ['doc:termination-letter-77'] },
            monthlyIncome: 800_000,
            grade: 'C',
            gradeSource: 'DECLARED',
            stage: 'M2',
            dpd: 34,
            requestedBy: 'col-1',
            requestedOn: ASOF,
          },
        },
      ]);
  });

  it.each<[string, RestructuringEvent[], RestructuringCommand, string]>([
    ['a request id already used', history(request()), request(), 'RESTRUCTURING_REQUEST_EXISTS'],
    ['no evidence', [], request(PLAN_TERMS, { hardship: { reasonCode: 'ILLNESS_OR_INJURY', evidenceRefs: [] } }), 'HARDSHIP_EVIDENCE_REQUIRED'],
    [
      'evidence given as content',
      [],
      request(PLAN_TERMS, { hardship: { reasonCode: 'ILLNESS_OR_INJURY', evidenceRefs: ['hospital note: the customer was...'] } }),
      'INVALID_EVIDENCE_REF',
    ],
    ['a paid-off loan', [], request(PLAN_TERMS, { loan: snapshot({ paidOff: true, installments: [] }) }), 'LOAN_PAID_OFF'],
    ['a zero tenor', [], request({ ...PLAN_TERMS, tenorMonths: 0 }), 'INVALID_TERMS'],
    ['loan facts of another day', [], request(PLAN_TERMS, { businessDate: '2024-03-21' }), 'LOAN_FACTS_NOT_CURRENT'],
    ['fractional income', [], request(PLAN_TERMS, { monthlyIncome: 100.5 }), 'INVALID_AMOUNT'],
  ])('refuses %s', (_name, given, command, code) => {
    spec.given(given).when(command).thenError(code);
  });
});

describe('RestructuringRequest: assessment', () => {
  it('passes a plan within policy, copies the policy onto the event and previews the schedule', () => {
    const [event] = spec.given(history(request())).when(assessCmd()).thenTypes(['RestructuringAssessed']) as RestructuringAssessed[];
    expect(event.data).toMatchObject({ outcome: 'PASSED', approvalsRequired: 1, assessedBy: 'col-1', assessedOn: ASOF, stage: 'M2', grade: 'C' });
    expect(event.data.policy).toEqual(policy());
    expect(event.data.checks.map((c) => c.rule)).toEqual([
      'PLAN_BUILDABLE',
      'NO_RECENT_RESTRUCTURING',
      'GRADE_ELIGIBLE',
      'STAGE_ELIGIBLE',
      'TENOR_LIMIT',
      'RATE_LIMIT',
      'MIN_INSTALLMENT',
      'AFFORDABILITY',
    ]);
    expect(event.data.checks.find((c) => c.rule === 'AFFORDABILITY')!.detail).toEqual({
      largestInstallment: 52_599,
      monthlyIncome: 800_000,
      maxShareBps: 5_000,
    });
    expect(event.data.plan).toMatchObject({ restructuredPrincipal: 300_000, startsOn: ASOF });
    expect(stateAfter([...history(request()), event]).status).toBe('Assessed');
  });

  const assessWith = (terms: RestructuringTerms, overrides: Parameters<typeof assessCmd>[0] = {}, requestOverrides: Parameters<typeof request>[1] = {}) =>
    spec
      .given(history(request(terms, requestOverrides)))
      .when(assessCmd(overrides))
      .thenTypes(['RestructuringAssessed']);

  it.each<[string, () => readonly RestructuringEvent[], AssessmentRule[]]>([
    [
      'a restructuring of the loan within 12 months',
      () => assessWith(PLAN_TERMS, { loan: snapshot({ lastRestructuredOn: '2023-06-01' }) }),
      ['NO_RECENT_RESTRUCTURING'],
    ],
    [
      'a restructuring of the customer’s other loan within 12 months',
      () => assessWith(PLAN_TERMS, { customerLastRestructuredOn: '2024-01-05' }),
      ['NO_RECENT_RESTRUCTURING'],
    ],
    ['a grade the type excludes', () => assessWith(PLAN_TERMS, {}, { grade: 'E' }), ['GRADE_ELIGIBLE']],
    ['a deferral at a stage beyond the policy', () => assessWith({ type: 'DEFERRAL', deferMonths: 2 }), ['STAGE_ELIGIBLE']],
    [
      'a deferral longer than allowed',
      () => assessWith({ type: 'DEFERRAL', deferMonths: 4 }, { loan: snapshot({ stage: 'M1', dpd: 20 }) }),
      ['DEFERRAL_LIMIT'],
    ],
    ['a tenor beyond the maximum', () => assessWith({ ...PLAN_TERMS, tenorMonths: 48 }, { policy: policy({ minInstallment: 1_000 }) }), ['TENOR_LIMIT']],
    ['a rate above the maximum', () => assessWith({ ...PLAN_TERMS, annualRateBps: 3_000 }), ['RATE_LIMIT']],
    [
      'installments below the minimum',
      () => assessWith({ ...PLAN_TERMS, tenorMonths: 36 }, { policy: policy({ minInstallment: 20_000 }) }),
      ['MIN_INSTALLMENT'],
    ],
    ['an installment above the share of income', () => assessWith(PLAN_TERMS, {}, { monthlyIncome: 105_197 }), ['AFFORDABILITY']],
    [
      'a waiver above the limit',
      () => assessWith({ type: 'FEE_WAIVER', waiverAmount: 600_000 }, { loan: snapshot({ installments: OWED.map((i) => ({ ...i, penalty: 300_000 })) }) }),
      ['WAIVER_LIMIT'],
    ],
    ['a waiver larger than the penalty owed', () => assessWith({ type: 'FEE_WAIVER', waiverAmount: 1_000 }), ['PLAN_BUILDABLE']],
  ])('fails %s, naming the rule', (_name, run, rules) => {
    const events = run();
    expect(assessed(events).data.outcome).toBe('FAILED');
    expect(failedRules(events)).toEqual(rules);
    expect(stateAfter([...history(request()), ...events]).status).toBe('AssessmentFailed');
  });

  it('passes affordability at exactly the share of income, and a restructuring exactly 12 months back', () => {
    const events = assessWith(PLAN_TERMS, { loan: snapshot({ lastRestructuredOn: '2023-03-20' }) }, { monthlyIncome: 105_198 });
    expect(assessed(events).data.outcome).toBe('PASSED');
  });

  it('a fee waiver is not held to affordability', () => {
    const withPenalty = snapshot({ installments: OWED.map((i, k) => ({ ...i, penalty: [1_700, 250, 0][k] })) });
    const events = assessWith({ type: 'FEE_WAIVER', waiverAmount: 1_500 }, { loan: withPenalty }, { monthlyIncome: 0, loan: withPenalty });
    expect(assessed(events).data.outcome).toBe('PASSED');
    expect(assessed(events).data.checks.map((c) => c.rule)).not.toContain('AFFORDABILITY');
  });

  it('above the threshold requires two approvals', () => {
    const events = assessWith(PLAN_TERMS, { policy: policy({ secondApprovalAbove: { restructuredPrincipal: 299_999, feeWaiver: 0 } }) });
    expect(assessed(events).data.approvalsRequired).toBe(2);
    const atThreshold = assessWith(PLAN_TERMS, { policy: policy({ secondApprovalAbove: { restructuredPrincipal: 300_000, feeWaiver: 0 } }) });
    expect(assessed(atThreshold).data.approvalsRequired).toBe(1);
  });

  it('may be repeated before any approval (a new policy, changed facts), not after', () => {
    spec
      .given(history(request(), assessCmd()))
      .when(assessCmd({ businessDate: '2024-03-21', loan: snapshot({ asOf: '2024-03-21' }) }))
      .thenTypes(['RestructuringAssessed']);
    spec
      .given(history(request(), assessCmd(), approve()))
      .when(assessCmd())
      .thenError('INVALID_REQUEST_STATUS');
  });

  it('refuses an unknown request', () => {
    expect(spec.given([]).when(assessCmd()).thenError('RESTRUCTURING_REQUEST_NOT_FOUND').category).toBe('not_found');
  });
});

describe('RestructuringRequest: maker-checker approval', () => {
  const twoRequired = () => history(request(), assessCmd({ policy: policy({ secondApprovalAbove: { restructuredPrincipal: 0, feeWaiver: 0 } }) }));

  it('one supervisor who is not the requester approves below the threshold', () => {
    spec
      .given(history(request(), assessCmd()))
      .when(approve())
      .then([
        {
          type: 'RestructuringApproved',
          data: { requestId: REQ, loanId: LOAN, approverId: 'sup-1', approval: 1, approvalsRequired: 1, final: true, approvedOn: ASOF },
        },
      ]);
  });

  it('above the threshold a second, different supervisor completes the approval', () => {
    const first = spec.given(twoRequired()).when(approve(supervisor)).thenTypes(['RestructuringApproved']);
    expect(first[0].data).toMatchObject({ approval: 1, approvalsRequired: 2, final: false });
    const partly = [...twoRequired(), ...first];
    expect(stateAfter(partly).status).toBe('PartiallyApproved');
    spec.given(partly).when(approve(supervisor)).thenError('MAKER_CANNOT_CHECK');
    spec.given(partly).when(offer()).thenError('INVALID_REQUEST_STATUS');
    const second = spec.given(partly).when(approve(supervisor2)).thenTypes(['RestructuringApproved']);
    expect(second[0].data).toMatchObject({ approverId: 'sup-2', approval: 2, final: true });
    expect(stateAfter([...partly, ...second]).status).toBe('Approved');
  });

  it('the requester may not approve or reject their own request, whatever role they hold', () => {
    const requesterAsSupervisor = { id: collector.id, role: 'supervisor' as const };
    spec.given(history(request(), assessCmd())).when(approve(requesterAsSupervisor)).thenError('MAKER_CANNOT_CHECK');
    spec.given(history(request(), assessCmd())).when(reject(requesterAsSupervisor)).thenError('MAKER_CANNOT_CHECK');
  });

  it.each<[string, () => RestructuringEvent[], RestructuringCommand, string]>([
    ['approval by a collector', () => history(request(), assessCmd()), approve({ id: 'col-2', role: 'collector' }), 'SUPERVISOR_REQUIRED'],
    ['approval before assessment', () => history(request()), approve(), 'ASSESSMENT_REQUIRED'],
    ['approval of a failed assessment', () => history(request(PLAN_TERMS, { grade: 'E' }), assessCmd()), approve(), 'ASSESSMENT_FAILED'],
    ['approval of a rejected request', () => history(request(), assessCmd(), reject()), approve(), 'INVALID_REQUEST_STATUS'],
    ['rejection after the final approval', () => history(request(), assessCmd(), approve()), reject(), 'INVALID_REQUEST_STATUS'],
  ])('refuses %s', (_name, given, command, code) => {
    spec.given(given()).when(command).thenError(code);
  });

  it('a supervisor rejects with a reason code; a failed assessment can be rejected', () => {
    spec
      .given(history(request(PLAN_TERMS, { grade: 'E' }), assessCmd()))
      .when(reject())
      .then([
        { type: 'RestructuringRejected', data: { requestId: REQ, loanId: LOAN, rejectedBy: 'sup-1', reasonCode: 'INSUFFICIENT_EVIDENCE', rejectedOn: ASOF } },
      ]);
  });
});

describe('RestructuringRequest: offer, acceptance and expiry', () => {
  const approved = () => history(request(), assessCmd(), approve());
  const offered = () => history(request(), assessCmd(), approve(), offer());

  it('offers the schedule laid out from the offer date, valid for the policy’s days', () => {
    const [event] = spec.given(approved()).when(offer('2024-03-21')).thenTypes(['RestructuringOffered']);
    expect(event.data).toMatchObject({ channel: 'SMS', offeredBy: 'col-1', offeredOn: '2024-03-21', expiresOn: '2024-03-28' });
    expect((event.data as unknown as { plan: { installments: { dueDate: string }[] } }).plan.installments[0].dueDate).toBe('2024-04-21');
  });

  it('refuses to offer when the balance changed since the assessment', () => {
    const paidSome = snapshot({ asOf: '2024-03-21', installments: [{ ...OWED[0], principal: 50_000 }, OWED[1], OWED[2]] });
    const error = spec.given(approved()).when(offer('2024-03-21', paidSome)).thenError('BALANCE_CHANGED');
    expect(error.details).toEqual({ assessedPrincipal: 300_000, currentPrincipal: 250_000 });
  });

  it('the customer’s acceptance is recorded by a customer channel, or by a collector with evidence', () => {
    spec
      .given(offered())
      .when(accept('2024-03-22'))
      .then([
        {
          type: 'RestructuringAccepted',
          data: {
            requestId: REQ,
            loanId: LOAN,
            customerId: CUSTOMER,
            acceptedOn: '2024-03-22',
            channel: 'APP',
            recordedBy: { id: 'app-gateway', role: 'service' },
            evidenceRef: null,
          },
        },
      ]);
    spec.given(offered()).when(accept('2024-03-22', collector)).thenError('ACCEPTANCE_EVIDENCE_REQUIRED');
    spec
      .given(offered())
      .when(accept('2024-03-22', collector, 'rec:call-2024-03-22-0042'))
      .thenTypes(['RestructuringAccepted']);
    expect(spec.given(offered()).when(accept('2024-03-22', supervisor)).thenError('ACCEPTANCE_RECORDER_NOT_ALLOWED').category).toBe('forbidden');
  });

  it('accepts up to the last day; the day after, the offer is expired', () => {
    spec.given(offered()).when(accept('2024-03-28')).thenTypes(['RestructuringAccepted']);
    spec.given(offered()).when(accept('2024-03-29')).thenError('OFFER_EXPIRED');
  });

  it('the close of the offer’s last day expires it, once', () => {
    spec.given(offered()).when(expire('2024-03-27')).then([]);
    const expired = spec
      .given(offered())
      .when(expire('2024-03-28'))
      .then([
        { type: 'RestructuringOfferExpired', data: { requestId: REQ, loanId: LOAN, customerId: CUSTOMER, expiresOn: '2024-03-28', expiredOn: '2024-03-28' } },
      ]);
    spec
      .given([...offered(), ...expired])
      .when(expire('2024-03-29'))
      .then([]);
    spec
      .given([...offered(), ...expired])
      .when(accept('2024-03-28'))
      .thenError('OFFER_EXPIRED');
    spec
      .given(history(request(), assessCmd(), approve(), offer(), accept()))
      .when(expire('2024-04-30'))
      .then([]);
  });
});

describe('RestructuringRequest: the rounding convention on replay', () => {
  const planOf = (events: readonly RestructuringEvent[]) =>
    (events.find((e) => e.type === 'RestructuringOffered') as Extract<RestructuringEvent, { type: 'RestructuringOffered' }>).data.plan.installments.map((i) => [
      i.principal,
      i.interest,
    ]);

  it('keeps the rounding a request chose explicitly, either convention', () => {
    const floor: RestructuringTerms = { ...PLAN_TERMS, rounding: 'CUMULATIVE_FLOOR' };
    const [requested] = spec.given([]).when(request(floor)).thenTypes(['RestructuringRequested']);
    expect((requested.data as { terms: RestructuringTerms }).terms).toEqual(floor);
    const equalPrincipal: RestructuringTerms = { ...PLAN_TERMS, method: 'EQUAL_PRINCIPAL' };
    const [other] = spec.given([]).when(request(equalPrincipal)).thenTypes(['RestructuringRequested']);
    expect((other.data as { terms: RestructuringTerms }).terms).toEqual(equalPrincipal);
  });

  it('an old-shape request (terms without a rounding) still folds and lays out its plan by CUMULATIVE_FLOOR, as before', () => {
    // The events such a request has in the store: recorded before the rounding was recorded, when
    // the default was the cumulative floor. Its assessment previewed the floor plan.
    const recorded = history(request({ ...PLAN_TERMS, rounding: 'CUMULATIVE_FLOOR' }), assessCmd(), approve());
    const oldShape = recorded.map((e) => (e.type === 'RestructuringRequested' ? { ...e, data: { ...e.data, terms: PLAN_TERMS } } : e)) as RestructuringEvent[];
    expect(oldShape[0].data).toMatchObject({ terms: { type: 'INSTALLMENT_PLAN', method: 'EQUAL_INSTALLMENT', tenorMonths: 6, annualRateBps: 1_200 } });
    expect('rounding' in (oldShape[0].data as { terms: object }).terms).toBe(false);
    const state = stateAfter(oldShape);
    expect(state.status).toBe('Approved');
    expect(state.status !== 'None' && state.terms).toEqual({ ...PLAN_TERMS, rounding: 'CUMULATIVE_FLOOR' });
    const offered = spec.given(oldShape).when(offer()).thenTypes(['RestructuringOffered']);
    // 487.64 / 492.52 / ... : the old convention's amounts, not the constant payment's 487.65 / 492.53 / ...
    expect(planOf(offered)).toEqual([
      [48_764, 3_000],
      [49_252, 2_512],
      [49_745, 2_020],
      [50_242, 1_522],
      [50_745, 1_020],
      [51_252, 513],
    ]);
    expect(planOf(offered)).toEqual(planOf(history(request({ ...PLAN_TERMS, rounding: 'CUMULATIVE_FLOOR' }), assessCmd(), approve(), offer())));
    // A new request with the same terms gets the constant payment.
    expect(planOf(history(request(PLAN_TERMS), assessCmd(), approve(), offer()))[0]).toEqual([48_765, 3_000]);
  });
});

describe('RestructuringRequest: activation', () => {
  const accepted = () => history(request(), assessCmd(), approve(), offer(), accept());

  it('records the plan the loans context applied, with its installment numbers and observation period', () => {
    const [event] = spec.given(accepted()).when(activate()).thenTypes(['RestructuringActivated']);
    expect(event.data).toMatchObject({
      requestId: REQ,
      loanId: LOAN,
      customerId: CUSTOMER,
      type: 'INSTALLMENT_PLAN',
      effectiveDate: '2024-03-22',
      restructuredPrincipal: 300_000,
      carriedCharges: 5_000,
      observationEnds: '2024-09-22',
      graceDays: 10,
      grade: 'C',
      stage: 'M2',
      policyVersion: '1',
    });
    const installments = (event.data as unknown as { installments: { seq: number; dueDate: string }[] }).installments;
    expect(installments.map((i) => [i.seq, i.dueDate])).toEqual([
      [4, '2024-04-22'],
      [5, '2024-05-22'],
      [6, '2024-06-22'],
      [7, '2024-07-22'],
      [8, '2024-08-22'],
      [9, '2024-09-22'],
    ]);
  });

  it('records why an activation failed; repeats are no-ops', () => {
    const failed = spec
      .given(accepted())
      .when({
        type: 'ActivateRestructuring',
        data: {
          requestId: REQ,
          outcome: { applied: false, code: 'EFFECTIVE_DATE_BEFORE_RECORDED_FACTS', reason: 'a later payment' },
          businessDate: '2024-03-22',
        },
      })
      .then([
        {
          type: 'RestructuringActivationFailed',
          data: { requestId: REQ, loanId: LOAN, code: 'EFFECTIVE_DATE_BEFORE_RECORDED_FACTS', reason: 'a later payment', failedOn: '2024-03-22' },
        },
      ]);
    spec
      .given([...accepted(), ...failed])
      .when(activate())
      .then([]);
    spec.given(active()).when(activate()).then([]);
  });

  it('refuses loan facts of another day or another shape', () => {
    spec
      .given(accepted())
      .when(activate(undefined, snapshot({ asOf: '2024-03-21' })))
      .thenError('LOAN_FACTS_NOT_CURRENT');
    spec
      .given(accepted())
      .when(activate([4, 5]))
      .thenError('LOAN_SCHEDULE_MISMATCH');
    spec
      .given(history(request(), assessCmd(), approve()))
      .when(activate())
      .thenError('INVALID_REQUEST_STATUS');
  });
});

describe('RestructuringRequest: plan monitoring', () => {
  it('nothing is missed on the due date itself; the day after, the installment is missed', () => {
    spec.given(active()).when(observe('2024-04-22')).then([]);
    spec
      .given(active())
      .when(observe('2024-04-23'))
      .then([
        {
          type: 'PlanInstallmentMissed',
          data: { requestId: REQ, loanId: LOAN, customerId: CUSTOMER, n: 1, seq: 4, dueDate: '2024-04-22', asOf: '2024-04-23', graceEnds: '2024-05-02' },
        },
      ]);
  });

  it('a payment by the due date is on time; within grace it is late but keeps the plan', () => {
    spec
      .given(active())
      .when(observe('2024-04-22', { 4: '2024-04-20' }))
      .then([
        {
          type: 'PlanInstallmentPaid',
          data: { requestId: REQ, loanId: LOAN, customerId: CUSTOMER, n: 1, seq: 4, dueDate: '2024-04-22', paidOn: '2024-04-20', daysLate: 0 },
        },
      ]);
    const missed = history(request(), assessCmd(), approve(), offer(), accept(), activate(), observe('2024-04-23'));
    const [paid] = spec
      .given(missed)
      .when(observe('2024-05-02', { 4: '2024-05-02' }))
      .thenTypes(['PlanInstallmentPaid']);
    expect(paid.data).toMatchObject({ paidOn: '2024-05-02', daysLate: 10 });
    expect(stateAfter([...missed, paid]).status).toBe('Active');
  });

  it('unpaid beyond the grace days breaks the plan (published), and nothing is observed after', () => {
    const broken = spec
      .given(active())
      .when(observe('2024-05-03'))
      .then([
        {
          type: 'PlanBroken',
          data: {
            requestId: REQ,
            loanId: LOAN,
            customerId: CUSTOMER,
            type: 'INSTALLMENT_PLAN',
            n: 1,
            seq: 4,
            dueDate: '2024-04-22',
            daysLate: 11,
            brokenOn: '2024-05-03',
          },
        },
      ]);
    expect(stateAfter([...active(), ...broken]).status).toBe('Broken');
    spec
      .given([...active(), ...broken])
      .when(observe('2024-05-04', { 4: '2024-05-04' }))
      .then([]);
  });

  it('a payment made after the grace days still breaks the plan, even when observed late', () => {
    const [event] = spec
      .given(active())
      .when(observe('2024-05-10', { 4: '2024-05-05' }))
      .thenTypes(['PlanBroken']);
    expect(event.data).toMatchObject({ daysLate: 13, brokenOn: '2024-05-10' });
  });

  it('completes when the observation period has passed with every installment in it paid', () => {
    const paid = { 4: '2024-04-22', 5: '2024-05-20', 6: '2024-06-22', 7: '2024-07-22', 8: '2024-08-22', 9: '2024-09-21' };
    spec.given(active()).when(observe('2024-09-21', paid)).thenTypes(Array(6).fill('PlanInstallmentPaid'));
    const done = spec
      .given(active())
      .when(observe('2024-09-22', paid))
      .thenTypes([...Array(6).fill('PlanInstallmentPaid'), 'PlanCompleted']);
    expect(done.at(-1)!.data).toEqual({
      requestId: REQ,
      loanId: LOAN,
      customerId: CUSTOMER,
      type: 'INSTALLMENT_PLAN',
      completedOn: '2024-09-22',
      installmentsObserved: 6,
    });
  });

  it('watches only the installments due within the observation period', () => {
    const short = history(request(), assessCmd({ policy: policy({ observationMonths: 2 }) }), approve(), offer(), accept(), activate());
    spec
      .given(short)
      .when(observe('2024-05-22', { 4: '2024-04-22', 5: '2024-05-22' }))
      .thenTypes(['PlanInstallmentPaid', 'PlanInstallmentPaid', 'PlanCompleted']);
  });

  it('a reversed payment reopens the installment; an older look does not count as a reversal', () => {
    const paid = history(request(), assessCmd(), approve(), offer(), accept(), activate(), observe('2024-04-22', { 4: '2024-04-21' }));
    spec.given(paid).when(observe('2024-04-20')).then([]);
    spec.given(paid).when(observe('2024-04-25')).thenTypes(['PlanInstallmentPaymentReversed', 'PlanInstallmentMissed']);
    spec
      .given(paid)
      .when(observe('2024-04-25', { 4: '2024-04-21' }))
      .then([]);
  });

  it('ignores observations before activation or of requests that are not active', () => {
    spec.given(active()).when(observe('2024-03-21')).then([]);
    spec.given(history(request())).when(observe('2024-05-03')).then([]);
  });
});

describe('RestructuringRequest: a fee waiver is not a restructuring', () => {
  const withPenalty = (asOf = ASOF) => snapshot({ asOf, installments: OWED.map((i, k) => ({ ...i, penalty: [1_700, 250, 0][k] })) });
  const WAIVER = { type: 'FEE_WAIVER', waiverAmount: 1_500 } as const;
  const accepted = () =>
    history(request(WAIVER, { loan: withPenalty() }), assessCmd({ loan: withPenalty() }), approve(), offer('2024-03-21', withPenalty('2024-03-21')), accept());

  it('lays out no installments, and is complete the moment Loans has waived the penalty (no plan to watch)', () => {
    const events = spec
      .given(accepted())
      .when(activate([], withPenalty('2024-03-22')))
      .thenTypes(['RestructuringActivated', 'PlanCompleted']);
    expect(events[0].data).toMatchObject({
      type: 'FEE_WAIVER',
      installments: [],
      waivedPenalty: 1_500,
      carriedCharges: 0,
      effectiveDate: '2024-03-22',
      observationEnds: '2024-03-22',
    });
    expect(events[1].data).toEqual({
      requestId: REQ,
      loanId: LOAN,
      customerId: CUSTOMER,
      type: 'FEE_WAIVER',
      completedOn: '2024-03-22',
      installmentsObserved: 0,
    });
    const done = [...accepted(), ...events];
    expect(stateAfter(done).status).toBe('Completed');
    spec
      .given(done)
      .when(activate([], withPenalty('2024-03-22')))
      .then([]);
    spec
      .given(done)
      .when(observe('2024-03-23', {}, []))
      .then([]);
  });
});
