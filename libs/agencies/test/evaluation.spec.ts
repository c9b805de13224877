import { agencyPromises, bankOnComparableCases, emptyCaseRecord, evolveCaseRecord, type CaseRecord, type PlacedSpan } from '../src/read-model/evaluation.js';

/**
 * The yearly evaluation's comparison against a hand count. Year 2026, the placement term 90 days.
 *
 * - K1 escalated into M3 on 03-02 and was placed with ag-1 from 03-03 to 03-20 (a dispute). The
 *   agency's agents took two promises on it: one kept, one broken; a third promise was taken by the
 *   bank's collector before the placement (not the agency's).
 * - K2 opened at M3 on 03-05 (200,000 fen overdue), never placed: its window is 03-05..06-02. The
 *   bank's collector called (a promise, kept), was refused once, promised again (broken), an SMS
 *   executor sent one message; payments of 50,000 (counted), 10,000 (reversed) and 30,000 on 07-01
 *   (after the window); a complaint hold on 03-12.
 * - K3 entered M3 on 04-01 and ag-2 held it from 04-03: not comparable.
 * - K4 only reached M2; K5 entered M3 in 2025: not comparable.
 * - K6 opened at M3 on 02-01 (100,000 fen); a placement with ag-2 was cancelled before it started
 *   (never held), and ag-1 placed it only on 06-01, after its window (02-01..05-01): comparable.
 *   A payment of 20,000 on 02-10 and one collector call on 03-01.
 *
 * By hand, the bank on cases comparable with ag-1's (stage M3): K2 and K6, balance 300,000,
 * recovered 70,000 (2,333 bps), promises 1 kept and 1 broken (5,000 bps), 1 complaint hold, 5
 * contacts of which 1 refused (200 per thousand). ag-1's own promises: 1 kept, 1 broken.
 */
type Ev = { type: string; data: Record<string, unknown> };

const fold = (caseId: string, events: Ev[]): CaseRecord =>
  events.reduce<CaseRecord>((record, e) => evolveCaseRecord(record, { type: e.type, data: { caseId, ...e.data } }) ?? record, emptyCaseRecord());

const opened = (stage: string, openedOn: string, overdueAmount: number): Ev => ({ type: 'CaseOpened', data: { stage, openedOn, overdueAmount } });
const escalated = (to: string, asOf: string, overdueAmount: number): Ev => ({ type: 'CaseEscalated', data: { from: 'M2', to, asOf, overdueAmount } });
const contact = (attemptId: string, by: { kind: string; id: string }, localDate: string, blocked = false): Ev => ({
  type: blocked ? 'ContactBlocked' : 'ContactAttempted',
  data: { attemptId, by, localDate },
});
const promise = (promiseId: string, attemptId: string, promisedOn: string): Ev => ({
  type: 'PromiseToPayRecorded',
  data: { promiseId, attemptId, promisedOn },
});
const kept = (promiseId: string): Ev => ({ type: 'PromiseKept', data: { promiseId } });
const broken = (promiseId: string): Ev => ({ type: 'PromiseBroken', data: { promiseId } });
const paid = (reference: string, amount: number, businessDate: string): Ev => ({ type: 'PaymentRecorded', data: { reference, amount, businessDate } });

/** A contact on `on` that took a promise, and the promise's verdict. */
const promised = (attemptId: string, promiseId: string, by: { kind: string; id: string }, on: string, verdict: (promiseId: string) => Ev): Ev[] => [
  contact(attemptId, by, on),
  promise(promiseId, attemptId, on),
  verdict(promiseId),
];

const collector = { kind: 'COLLECTOR', id: 'col-1' };
const ag1 = { kind: 'EXECUTOR', id: 'agency:ag-1' };

const records = new Map<string, CaseRecord>([
  [
    'K1',
    fold('K1', [
      escalated('M3', '2026-03-02', 103_000),
      ...promised('b-0', 'pr-0', collector, '2026-03-02', kept),
      ...promised('a-1', 'pr-1', ag1, '2026-03-04', kept),
      contact('a-2', ag1, '2026-03-05', true),
      ...promised('a-3', 'pr-2', ag1, '2026-03-06', broken),
      { type: 'CaseOnHold', data: { holdId: 'h1', reason: 'DISPUTE', since: '2026-03-20' } },
    ]),
  ],
  [
    'K2',
    fold('K2', [
      opened('M3', '2026-03-05', 200_000),
      ...promised('b-1', 'pb-1', collector, '2026-03-06', kept),
      contact('b-2', collector, '2026-03-06', true),
      // A redelivered attempt is one contact.
      contact('b-2', collector, '2026-03-06', true),
      contact('b-3', { kind: 'EXECUTOR', id: 'sms-gateway' }, '2026-03-07'),
      ...promised('b-4', 'pb-2', collector, '2026-03-08', broken),
      paid('PAY-2', 50_000, '2026-03-10'),
      paid('PAY-3', 10_000, '2026-03-11'),
      { type: 'CasePaymentReversed', data: { reference: 'PAY-3' } },
      { type: 'CaseOnHold', data: { holdId: 'h2', reason: 'COMPLAINT', since: '2026-03-12' } },
      paid('PAY-4', 30_000, '2026-07-01'),
    ]),
  ],
  ['K3', fold('K3', [escalated('M3', '2026-04-01', 80_000), paid('PAY-5', 80_000, '2026-04-10')])],
  ['K4', fold('K4', [opened('M2', '2026-03-01', 50_000), paid('PAY-6', 5_000, '2026-03-10')])],
  ['K5', fold('K5', [escalated('M3', '2025-11-15', 90_000), paid('PAY-7', 9_000, '2026-01-10')])],
  ['K6', fold('K6', [opened('M3', '2026-02-01', 100_000), paid('PAY-8', 20_000, '2026-02-10'), contact('c-1', collector, '2026-03-01')])],
]);

const span = (case_id: string, agency_id: string, starts_on: string | null, ends_on: string | null, ended_on: string | null = null): PlacedSpan => ({
  case_id,
  agency_id,
  stage: 'M3',
  starts_on,
  ends_on,
  ended_on,
});
const placements: PlacedSpan[] = [
  span('K1', 'ag-1', '2026-03-03', '2026-05-31', '2026-03-20'),
  span('K3', 'ag-2', '2026-04-03', '2026-07-01'),
  span('K6', 'ag-2', null, null),
  span('K6', 'ag-1', '2026-06-01', '2026-08-29'),
];

describe('the yearly evaluation against the bank’s own collectors on comparable cases', () => {
  it('counts, for the bank, the unplaced cases that entered the agency’s stages in the year, over the placement term', () => {
    const bank = bankOnComparableCases({ agencyId: 'ag-1', year: 2026, termDays: 90, placements, records });
    expect(bank).toEqual({
      rule: 'same-stage-unplaced/v1',
      stages: ['M3'],
      termDays: 90,
      cases: 2,
      caseIds: ['K2', 'K6'],
      balance: 300_000,
      recovered: 70_000,
      recoveryRateBps: 2_333,
      promisesKept: 1,
      promisesBroken: 1,
      promiseKeptRateBps: 5_000,
      complaintHolds: 1,
      contacts: 5,
      ruleRefusals: 1,
      ruleRefusalsPerThousandContacts: 200,
    });
  });

  it('counts the promises the agency’s own agents took, not the bank’s on the same case', () => {
    expect(agencyPromises('ag-1', [...records.values()], 2026)).toEqual({ kept: 1, broken: 1, keptRateBps: 5_000 });
    expect(agencyPromises('ag-2', [...records.values()], 2026)).toEqual({ kept: 0, broken: 0, keptRateBps: null });
  });

  it('has nothing to compare for an agency no placement of the year started with', () => {
    const bank = bankOnComparableCases({ agencyId: 'ag-9', year: 2026, termDays: 90, placements, records });
    expect(bank).toMatchObject({ stages: [], cases: 0, balance: 0, recoveryRateBps: null, promiseKeptRateBps: null, ruleRefusalsPerThousandContacts: null });
  });

  it('cuts a window at the year’s end and leaves out a case an agency held within it', () => {
    const late = new Map([
      ['K7', fold('K7', [opened('M3', '2026-12-20', 10_000), paid('PAY-9', 1_000, '2026-12-31'), paid('PAY-10', 2_000, '2027-01-02')])],
      ['K8', fold('K8', [opened('M3', '2026-05-01', 10_000)])],
    ]);
    const bank = bankOnComparableCases({
      agencyId: 'ag-1',
      year: 2026,
      termDays: 90,
      placements: [...placements, span('K8', 'ag-2', '2026-07-25', '2026-10-22')],
      records: late,
    });
    expect(bank).toMatchObject({ caseIds: ['K7'], balance: 10_000, recovered: 1_000, recoveryRateBps: 1_000 });
  });
});
