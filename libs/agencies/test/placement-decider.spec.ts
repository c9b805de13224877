import { deciderSpec } from '#kernel/testing';
import {
  commissionOn,
  placementDecider,
  rankAgencies,
  ruleHoldsBack,
  DEFAULT_PLACEMENT_POLICY,
  type PlacementEvent,
  type PlacementRequested,
} from '../src/domain/placement.js';

const request: PlacementRequested['data'] = {
  placementId: 'c1-P1',
  caseId: 'c1',
  agencyId: 'ag-1',
  loanId: 'L1',
  customerId: 'cust-1',
  stage: 'M3',
  overdueAmount: 300_000,
  requestedOn: '2026-03-10',
  termDays: 90,
  source: 'RULE',
  reason: 'placement rule',
  contractNo: 'C-1',
  commission: { defaultBps: 1000, byStage: { M3: 1500 } },
  noticeActionId: 'c1/agency-notice/c1-P1',
};
const requested: PlacementEvent = { type: 'PlacementRequested', data: request };
const placed: PlacementEvent = {
  type: 'CasePlaced',
  data: {
    placementId: 'c1-P1',
    caseId: 'c1',
    agencyId: 'ag-1',
    loanId: 'L1',
    customerId: 'cust-1',
    startsOn: '2026-03-11',
    endsOn: '2026-06-08',
    noticeActionId: request.noticeActionId,
    noticeSentAt: '2026-03-11T00:00:00.000Z',
  },
};
const ref = { placementId: 'c1-P1', caseId: 'c1', agencyId: 'ag-1' };

describe('placement: one agency per case, after the debtor is notified', () => {
  const spec = deciderSpec(placementDecider);

  it('is requested once; a second agency is refused while the first holds the case', () => {
    spec.given([]).when({ type: 'RequestPlacement', data: request }).then([requested]);
    spec
      .given([requested])
      .when({ type: 'RequestPlacement', data: { ...request, placementId: 'c1-P2', agencyId: 'ag-2' } })
      .thenError('CASE_ALREADY_PLACED');
    spec
      .given([requested, placed])
      .when({ type: 'RequestPlacement', data: { ...request, placementId: 'c1-P2', agencyId: 'ag-2' } })
      .thenError('CASE_ALREADY_PLACED');
    // The same request again is the same placement.
    spec.given([requested]).when({ type: 'RequestPlacement', data: request }).then([]);
  });

  it('starts on the notice’s local date for its term, or is cancelled when the gate withheld the notice', () => {
    spec
      .given([requested])
      .when({
        type: 'StartPlacement',
        data: { placementId: 'c1-P1', loanId: 'L1', customerId: 'cust-1', startsOn: '2026-03-11', sentAt: '2026-03-11T00:00:00.000Z' },
      })
      .then([placed]);
    spec
      .given([requested])
      .when({ type: 'CancelPlacement', data: { placementId: 'c1-P1', code: 'CONTACT_OPTED_OUT', reason: 'the debtor opted out of SMS' } })
      .then([{ type: 'PlacementCancelled', data: { ...ref, code: 'CONTACT_OPTED_OUT', reason: 'the debtor opted out of SMS' } }]);
    // A placement that started is not cancelled by a late verdict.
    spec
      .given([requested, placed])
      .when({ type: 'CancelPlacement', data: { placementId: 'c1-P1', code: 'X', reason: 'x' } })
      .then([]);
    // After a cancellation another agency may be given the case.
    spec
      .given([requested, { type: 'PlacementCancelled', data: { ...ref, code: 'X', reason: 'x' } }])
      .when({ type: 'RequestPlacement', data: { ...request, placementId: 'c1-P2', agencyId: 'ag-2' } })
      .thenTypes(['PlacementRequested']);
  });
});

describe('recall', () => {
  const spec = deciderSpec(placementDecider);
  const recalled = (reason: string, note: string | null, on: string, recovered = 0, commission = 0): PlacementEvent =>
    ({ type: 'CaseRecalled', data: { ...ref, reason, note, recalledOn: on, recoveredAmount: recovered, commission } }) as PlacementEvent;

  it.each(['CURED', 'DISPUTE', 'COMPLAINT', 'RESTRUCTURING'] as const)('recalls on %s', (reason) => {
    spec
      .given([requested, placed])
      .when({ type: 'RecallCase', data: { reason, note: 'case hold h1', onDate: '2026-03-20' } })
      .then([recalled(reason, 'case hold h1', '2026-03-20')]);
  });

  it('a supervisor recalls with a reason only; a case not placed cannot be recalled', () => {
    spec
      .given([requested, placed])
      .when({ type: 'RecallCase', data: { reason: 'SUPERVISOR', note: ' ', onDate: '2026-03-20' } })
      .thenError('REASON_REQUIRED');
    spec
      .given([requested, placed])
      .when({ type: 'RecallCase', data: { reason: 'SUPERVISOR', note: 'agency underperforms', onDate: '2026-03-20' } })
      .thenTypes(['CaseRecalled']);
    spec
      .given([])
      .when({ type: 'RecallCase', data: { reason: 'SUPERVISOR', note: 'x', onDate: '2026-03-20' } })
      .thenError('CASE_NOT_PLACED');
  });

  it('expires at the end of the last day of its term, not before', () => {
    spec
      .given([requested, placed])
      .when({ type: 'ExpirePlacement', data: { businessDate: '2026-06-07' } })
      .then([]);
    spec
      .given([requested, placed])
      .when({ type: 'ExpirePlacement', data: { businessDate: '2026-06-08' } })
      .then([recalled('EXPIRED', null, '2026-06-08')]);
  });
});

describe('attribution and commission', () => {
  const spec = deciderSpec(placementDecider);
  const pay = (reference: string, amount: number, valueDate = '2026-03-12') => ({
    type: 'AttributePayment' as const,
    data: { reference, amount, valueDate, businessDate: valueDate },
  });

  it('attributes a payment made during the placement with the commission of its stage, in whole fen', () => {
    spec
      .given([requested, placed])
      .when(pay('pay-1', 100_333))
      .then([
        {
          type: 'RecoveryAttributed',
          data: {
            ...ref,
            reference: 'pay-1',
            amount: 100_333,
            valueDate: '2026-03-12',
            businessDate: '2026-03-12',
            parts: [{ amount: 100_333, bps: 1500, commission: 15_050 }],
            commission: 15_050,
            contractNo: 'C-1',
          },
        },
      ]);
  });

  it('attributes nothing before the placement started, paid before it, or twice', () => {
    spec.given([requested]).when(pay('pay-1', 1000)).then([]);
    spec
      .given([requested, placed])
      .when(pay('pay-1', 1000, '2026-03-10'))
      .then([]);
    const [first] = spec.given([requested, placed]).when(pay('pay-1', 1000)).thenTypes(['RecoveryAttributed']);
    spec.given([requested, placed, first]).when(pay('pay-1', 1000)).then([]);
  });

  it('splits a payment across recovery bands and reverses its commission when the payment is reversed', () => {
    const banded: PlacementEvent = {
      type: 'PlacementRequested',
      data: {
        ...request,
        commission: {
          defaultBps: 0,
          bands: [
            { fromFen: 0, bps: 800 },
            { fromFen: 100_000, bps: 1200 },
          ],
        },
      },
    };
    const attributed = spec.given([banded, placed]).when(pay('pay-1', 150_000)).thenTypes(['RecoveryAttributed']);
    const e = attributed[0] as Extract<PlacementEvent, { type: 'RecoveryAttributed' }>;
    expect(e.data.parts).toEqual([
      { amount: 100_000, bps: 800, commission: 8_000 },
      { amount: 50_000, bps: 1200, commission: 6_000 },
    ]);
    expect(e.data.commission).toBe(14_000);
    // The next payment is all in the upper band.
    const next = spec.given([banded, placed, e]).when(pay('pay-2', 10_000)).thenTypes(['RecoveryAttributed']);
    expect((next[0] as typeof e).data.commission).toBe(1_200);
    spec
      .given([banded, placed, e])
      .when({ type: 'ReversePayment', data: { reference: 'pay-1', businessDate: '2026-03-15', cause: 'PaymentReversed ev-1' } })
      .then([
        {
          type: 'RecoveryReversed',
          data: { ...ref, reference: 'pay-1', amount: 150_000, commission: 14_000, businessDate: '2026-03-15', cause: 'PaymentReversed ev-1' },
        },
      ]);
    // A payment never attributed reverses nothing.
    spec
      .given([banded, placed])
      .when({ type: 'ReversePayment', data: { reference: 'pay-9', businessDate: '2026-03-15', cause: 'x' } })
      .then([]);
  });

  it('rounds each part half away from zero', () => {
    expect(commissionOn({ defaultBps: 1250 }, 'M3', 0, 4).commission).toBe(1); // 0.5 fen
    expect(commissionOn({ defaultBps: 1250 }, 'M3', 0, 3).commission).toBe(0); // 0.375 fen
  });
});

describe('the placement rule', () => {
  const facts = { status: 'open' as const, stage: 'M3', onHold: false, promisesKeptOn: [] as string[] };

  it('places an open M3 case with no promise kept in the last 30 days', () => {
    expect(ruleHoldsBack(facts, DEFAULT_PLACEMENT_POLICY, '2026-03-10')).toBeNull();
    expect(ruleHoldsBack({ ...facts, promisesKeptOn: ['2026-02-20'] }, DEFAULT_PLACEMENT_POLICY, '2026-03-10')).toMatch(/promise was kept on 2026-02-20/);
    expect(ruleHoldsBack({ ...facts, promisesKeptOn: ['2026-02-08'] }, DEFAULT_PLACEMENT_POLICY, '2026-03-10')).toBeNull();
    expect(ruleHoldsBack({ ...facts, stage: 'M2' }, DEFAULT_PLACEMENT_POLICY, '2026-03-10')).toMatch(/not M2/);
    expect(ruleHoldsBack({ ...facts, onHold: true }, DEFAULT_PLACEMENT_POLICY, '2026-03-10')).toMatch(/on hold/);
  });

  it('ranks agencies round-robin, or by best recent recovery', () => {
    const candidates = [
      { agencyId: 'ag-a', placements: 3, recoveryBps: 1200 },
      { agencyId: 'ag-b', placements: 1, recoveryBps: 400 },
      { agencyId: 'ag-c', placements: 1, recoveryBps: null },
    ];
    expect(rankAgencies(candidates, 'ROUND_ROBIN').map((c) => c.agencyId)).toEqual(['ag-b', 'ag-c', 'ag-a']);
    expect(rankAgencies(candidates, 'BEST_PERFORMANCE').map((c) => c.agencyId)).toEqual(['ag-a', 'ag-b', 'ag-c']);
  });
});
