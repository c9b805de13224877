import { deciderSpec } from '#kernel/testing';
import { delinquencyHistory, loanDecider, type LoanEvent, type LoanState } from '#loans';
import {
  DUE1,
  INSTALLMENT1,
  INSTALLMENT2,
  PAUSING_PRODUCT,
  close,
  endHold,
  history,
  loanRegistered,
  pay,
  restructure,
  reverse,
  startHold,
  stateAfter,
} from './fixtures.js';

/**
 * Corrections that change the past publish `DelinquencyRestated` with the delinquency history
 * before and after. The loan of the fixtures falls due on 2024-02-15 (103,000 fen) and 2024-03-15
 * (102,000 fen); the first day past due of an unpaid first installment is 2024-02-16. 2024 is a
 * leap year: February has 29 days.
 */
const spec = deciderSpec(loanDecider);
const restatementIn = (events: readonly LoanEvent[]) => events.find((e) => e.type === 'DelinquencyRestated');
const factsOf = (state: LoanState) => {
  if (state.status === 'Unregistered') throw new Error('not registered');
  return state.facts;
};

describe('delinquency history', () => {
  it('is current from the disbursement while every installment is paid on time', () => {
    const facts = factsOf(stateAfter(history([loanRegistered()], pay('p1', INSTALLMENT1, DUE1))));
    expect(delinquencyHistory(facts, '2024-03-10')).toEqual({
      through: '2024-03-10',
      episodes: [],
      stages: [{ stage: 'M0', from: '2024-01-15', to: null }],
      overduePayments: [],
    });
  });

  it('runs an episode from the first day past due to the cure, with its peak and stage spells', () => {
    // Unpaid from 02-16; DPD 30 on 03-16 (M1), 31 on 03-17 (M2); paid in full valued 03-20.
    const facts = factsOf(stateAfter(history([loanRegistered()], close('2024-03-19'), pay('p1', INSTALLMENT1 + INSTALLMENT2, '2024-03-20'))));
    expect(delinquencyHistory(facts, '2024-03-25')).toEqual({
      through: '2024-03-25',
      episodes: [{ start: '2024-02-16', end: '2024-03-20', maxDpd: 33 }],
      stages: [
        { stage: 'M0', from: '2024-01-15', to: '2024-02-16' },
        { stage: 'M1', from: '2024-02-16', to: '2024-03-17' },
        { stage: 'M2', from: '2024-03-17', to: '2024-03-20' },
        { stage: 'M0', from: '2024-03-20', to: null },
      ],
      overduePayments: [{ reference: 'p1', valueDate: '2024-03-20', partial: false }],
    });
  });

  it('keeps DPD still while a hold pauses it (products that do not count held days)', () => {
    // Past due from 02-16 (DPD 1); held 02-18 .. 02-27 (10 days paused): DPD 2 on 02-17, still 2 on
    // 02-27, 3 on 02-28, 5 on 03-01 (15 days since the due date less 10 paused).
    const facts = factsOf(
      stateAfter(history([loanRegistered(PAUSING_PRODUCT)], startHold('h1', '2024-02-18', '2024-02-18'), endHold('h1', '2024-02-28', '2024-02-28'))),
    );
    const h = delinquencyHistory(facts, '2024-03-01');
    expect(h.episodes).toEqual([{ start: '2024-02-16', end: null, maxDpd: 5 }]);
    expect(h.stages).toEqual([
      { stage: 'M0', from: '2024-01-15', to: '2024-02-16' },
      { stage: 'M1', from: '2024-02-16', to: null },
    ]);
  });
});

describe('DelinquencyRestated', () => {
  it('a backdated payment that was on time removes the phantom episode', () => {
    // Ten days unpaid as reported (DPD 10 on 02-25); the payment was valued on the due date.
    const given = history([loanRegistered()], close('2024-02-16'), close('2024-02-25'));
    const events = spec
      .given(given)
      .when(pay('p1', INSTALLMENT1, DUE1, '2024-02-26'))
      .thenTypes(['PaymentReceived', 'DelinquencyStageChanged', 'LoanCured', 'DelinquencyRestated']);
    expect(restatementIn(events)!.data).toEqual({
      asOf: '2024-02-26',
      correction: { type: 'PaymentReceived', ref: 'p1', effectiveFrom: DUE1, recordedOn: '2024-02-26' },
      before: {
        through: '2024-02-26',
        episodes: [{ start: '2024-02-16', end: null, maxDpd: 11 }],
        stages: [
          { stage: 'M0', from: '2024-01-15', to: '2024-02-16' },
          { stage: 'M1', from: '2024-02-16', to: null },
        ],
        overduePayments: [],
      },
      after: { through: '2024-02-26', episodes: [], stages: [{ stage: 'M0', from: '2024-01-15', to: null }], overduePayments: [] },
    });
  });

  it('a reversal joins what was reported as a cure and a new episode into one continuous episode', () => {
    // Cured by p1 valued 02-20 (recorded that day), reversed on 02-25: unpaid since 02-16 throughout.
    const given = history([loanRegistered()], close('2024-02-16'), pay('p1', INSTALLMENT1, '2024-02-20'), close('2024-02-24'));
    const events = spec
      .given(given)
      .when(reverse('p1', '2024-02-25', 'insufficient funds'))
      .thenTypes(['PaymentReversed', 'LoanBecameDelinquent', 'DelinquencyStageChanged', 'DelinquencyRestated']);
    const { correction, before, after } = restatementIn(events)!.data as {
      correction: unknown;
      before: { episodes: unknown; overduePayments: unknown };
      after: { episodes: unknown; overduePayments: unknown };
    };
    expect(correction).toEqual({ type: 'PaymentReversed', ref: 'p1', effectiveFrom: '2024-02-20', recordedOn: '2024-02-25' });
    expect(before.episodes).toEqual([{ start: '2024-02-16', end: '2024-02-20', maxDpd: 4 }]);
    expect(before.overduePayments).toEqual([{ reference: 'p1', valueDate: '2024-02-20', partial: false }]);
    expect(after.episodes).toEqual([{ start: '2024-02-16', end: null, maxDpd: 10 }]);
    expect(after.overduePayments).toEqual([]);
  });

  it('a reversal of a payment valued today still restates the cure it brought', () => {
    const given = history([loanRegistered()], close('2024-02-19'), pay('p1', INSTALLMENT1, '2024-02-20'));
    const events = spec.given(given).when(reverse('p1', '2024-02-20')).result as LoanEvent[];
    const restated = restatementIn(events)!.data as { before: { episodes: unknown }; after: { episodes: unknown } };
    expect(restated.before.episodes).toEqual([{ start: '2024-02-16', end: '2024-02-20', maxDpd: 4 }]);
    expect(restated.after.episodes).toEqual([{ start: '2024-02-16', end: null, maxDpd: 5 }]);
  });

  it('nothing is restated for a payment valued on the day it is recorded, nor for a backdated one that changes no history', () => {
    const late = history([loanRegistered()], close('2024-02-20'));
    spec
      .given(late)
      .when(pay('p1', INSTALLMENT1, '2024-02-21'))
      .thenTypes(['PaymentReceived', 'DelinquencyStageChanged', 'LoanCured']);
    // Current all along: a prepayment valued last week changes no episode, stage or overdue payment.
    const current = history([loanRegistered()], close('2024-02-01'));
    spec
      .given(current)
      .when(pay('p1', 50_000, '2024-01-25', '2024-02-02'))
      .thenTypes(['PaymentReceived']);
  });

  it('restates days that closed quietly (no event since the delinquency began), not days still open', () => {
    // Reported past due on 02-16; the days to 02-29 closed without events. Paid, valued 02-25.
    const quiet = history([loanRegistered()], close('2024-02-16'), close('2024-02-29'));
    const events = spec.given(quiet).when(pay('p1', INSTALLMENT1, '2024-02-25', '2024-03-01')).result as LoanEvent[];
    expect((restatementIn(events)!.data as { after: { episodes: unknown } }).after.episodes).toEqual([{ start: '2024-02-16', end: '2024-02-25', maxDpd: 9 }]);
    // Recorded while 02-15 is being closed and valued the day before: nothing closed is changed.
    const beforeDue = history([loanRegistered()], close('2024-02-14'));
    spec
      .given(beforeDue)
      .when(pay('p1', INSTALLMENT1, '2024-02-14', '2024-02-15'))
      .thenTypes(['PaymentReceived']);
  });

  it('a schedule re-aged from an earlier effective date ends the episode on that date', () => {
    // Past due from 02-16; on 02-26 a restructuring effective 02-20 replaces every unpaid installment.
    const given = history([loanRegistered()], close('2024-02-25'));
    const newSchedule = [{ dueDate: '2024-05-15', principal: 300_000, interest: 9_000 }];
    const events = spec.given(given).when(restructure('r1', '2024-02-20', newSchedule, '2024-02-26')).result as LoanEvent[];
    const restated = restatementIn(events)!.data as { correction: unknown; after: { episodes: unknown; stages: unknown } };
    expect(restated.correction).toEqual({ type: 'ScheduleRestructured', ref: 'r1', effectiveFrom: '2024-02-20', recordedOn: '2024-02-26' });
    expect(restated.after.episodes).toEqual([{ start: '2024-02-16', end: '2024-02-20', maxDpd: 4 }]);
  });

  it('a backdated hold that pauses DPD restates the episode peak', () => {
    const given = history([loanRegistered(PAUSING_PRODUCT)], close('2024-02-25'));
    const events = spec.given(given).when(startHold('h1', '2024-02-20', '2024-02-26')).result as LoanEvent[];
    const restated = restatementIn(events)!.data as { correction: unknown; after: { episodes: unknown } };
    expect(restated.correction).toEqual({ type: 'CollectionHoldStarted', ref: 'h1', effectiveFrom: '2024-02-20', recordedOn: '2024-02-26' });
    // DPD 4 on 02-19, then held: the peak stays 4.
    expect(restated.after.episodes).toEqual([{ start: '2024-02-16', end: null, maxDpd: 4 }]);
  });

  it('changes nothing in the loan’s own state (the facts already say it)', () => {
    const given = history([loanRegistered()], close('2024-02-25'));
    const events = history(given, pay('p1', INSTALLMENT1, DUE1, '2024-02-26'));
    const restated = events.at(-1)!;
    expect(restated.type).toBe('DelinquencyRestated');
    const before = stateAfter(events.slice(0, -1));
    expect(loanDecider.evolve(before, restated)).toBe(before);
  });
});
