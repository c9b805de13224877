import type { RecordedEvent } from '#kernel';
import { allEvents } from '#test-support/kafka/published-contract.js';
import { RIGHT_PARTY_OUTCOMES } from '../src/read-model/kpi-definitions.js';

import { kpiScenario } from './scenario.js';

/**
 * The cure and right-party-contact figures equal a hand count of the same facts: a scripted
 * November, then the KPI queries beside a count made here straight from the stored events.
 *
 * Cases (all opened in November): K1 cured (loan cured, case closed CURED); K2 paid off; K3 cured
 * only on 12-03, after the range; K4 cured, then the loan fell behind again and K5 opened on it
 * (not cured); K6 never cured. Contacts on K6: a third party refused and another disputed (not
 * right-party contacts, and the dispute is not the debtor's), the debtor refused, the debtor was
 * reached, nobody answered; on K1 a promise to pay.
 */
describe('KPI figures against a hand count of the events', () => {
  let events: RecordedEvent[];

  const fixture = kpiScenario(async (s) => {
    const S = { strategyId: 'S1', version: 1, stage: 'M1', variant: 'champion', grade: 'C', overdue: 10_000 };
    const U = { kind: 'COLLECTOR' as const, id: 'U1' };
    for (const [loan, customer] of [
      ['L1', 'C1'],
      ['L2', 'C2'],
      ['L3', 'C3'],
      ['L4', 'C4'],
      ['L6', 'C6'],
    ])
      await s.loanRegistered(loan, customer, 100_000, '2026-10-01');
    for (const [k, loan, customer, on] of [
      ['K1', 'L1', 'C1', '2026-11-02'],
      ['K2', 'L2', 'C2', '2026-11-02'],
      ['K3', 'L3', 'C3', '2026-11-03'],
      ['K4', 'L4', 'C4', '2026-11-03'],
      ['K6', 'L6', 'C6', '2026-11-04'],
    ]) {
      await s.delinquent(loan, 'M1', 1, 10_000, on);
      await s.caseOpened(k, loan, customer, S, on);
      await s.assigned(k, 'U1', on);
    }
    await s.attempt('K1', 'A1', 'CALL', 'PROMISE_TO_PAY', U, '2026-11-05');
    await s.attempt('K6', 'A2', 'CALL', 'REFUSED', U, '2026-11-05', 'THIRD_PARTY');
    await s.attempt('K6', 'A3', 'CALL', 'DISPUTE', U, '2026-11-06', 'THIRD_PARTY');
    await s.attempt('K6', 'A4', 'CALL', 'REFUSED', U, '2026-11-07');
    await s.attempt('K6', 'A5', 'CALL', 'RIGHT_PARTY_CONTACT', U, '2026-11-08');
    await s.attempt('K6', 'A6', 'CALL', 'NO_ANSWER', U, '2026-11-09');
    await s.cured('L1', '2026-11-10');
    await s.caseClosed('K1', 'CURED', '2026-11-10');
    await s.paidOff('L2', '2026-11-12');
    await s.caseClosed('K2', 'PAID_OFF', '2026-11-12');
    await s.cured('L4', '2026-11-14');
    await s.caseClosed('K4', 'CURED', '2026-11-14');
    await s.delinquent('L4', 'M1', 1, 10_000, '2026-11-20');
    await s.caseOpened('K5', 'L4', 'C4', S, '2026-11-20');
    await s.cured('L3', '2026-12-03');
    await s.caseClosed('K3', 'CURED', '2026-12-03');
  }, 5);
  beforeAll(async () => {
    events = await allEvents(fixture.facts.store);
  });

  /** By hand: cases opened in [from, to], and of them those whose case closed CURED or PAID_OFF by `to`, or whose loan was cured or paid off while it was open. */
  function handCure(from: string, to: string) {
    const opened = new Map<string, { loanId: string; on: string; closedOn: string | null; cured: boolean }>();
    for (const e of events) {
      const d = e.data as Record<string, string>;
      if (e.type === 'CaseOpened') opened.set(d.caseId, { loanId: d.loanId, on: d.openedOn, closedOn: null, cured: false });
      if (e.type === 'CaseClosed') {
        const c = opened.get(d.caseId)!;
        c.closedOn = d.closedOn;
        if ((d.reason === 'CURED' || d.reason === 'PAID_OFF') && d.closedOn <= to) c.cured = true;
      }
      if (e.type === 'LoanCured' || e.type === 'LoanPaidOff') {
        const loanId = e.streamId.slice('loans.loan-'.length);
        for (const c of opened.values()) if (c.loanId === loanId && c.closedOn === null && d.asOf <= to) c.cured = true;
      }
    }
    const inRange = [...opened.values()].filter((c) => c.on >= from && c.on <= to);
    return { cases: inRange.length, cured: inRange.filter((c) => c.cured).length };
  }

  /** By hand: attempts in the range, and of them those on the debtor whose outcome reached the debtor. */
  function handRpc(from: string, to: string) {
    const attempts = events.filter((e) => e.type === 'ContactAttempted').map((e) => e.data as { party: string; outcome: string; localDate: string });
    const inRange = attempts.filter((a) => a.localDate >= from && a.localDate <= to);
    return {
      attempts: inRange.length,
      rpc: inRange.filter((a) => a.party === 'DEBTOR' && (RIGHT_PARTY_OUTCOMES as readonly string[]).includes(a.outcome)).length,
    };
  }

  it('cure rate: the query counts what the events say, range by range', async () => {
    for (const [from, to] of [
      ['2026-11-01', '2026-11-30'],
      ['2026-11-01', '2026-12-31'],
      ['2026-11-03', '2026-11-04'],
      ['2026-11-15', '2026-11-30'],
    ]) {
      const hand = handCure(from, to);
      const { rows } = await fixture.kpis.run({ kpi: 'cure_rate', from, to, granularity: 'total' });
      const figure = rows.length ? { cases: rows[0].denominator, cured: rows[0].numerator } : { cases: 0, cured: 0 };
      expect({ from, to, ...figure }).toEqual({ from, to, ...hand });
    }
    // And the hand count is the story above: K1, K2, K4 cured in November; K3 only by the end of December.
    expect(handCure('2026-11-01', '2026-11-30')).toEqual({ cases: 6, cured: 3 });
    expect(handCure('2026-11-01', '2026-12-31')).toEqual({ cases: 6, cured: 4 });
  });

  it('right-party-contact rate: only the debtor’s outcomes count, not a third party’s refusal or dispute', async () => {
    const hand = handRpc('2026-11-01', '2026-11-30');
    expect(hand).toEqual({ attempts: 6, rpc: 3 });
    const { rows } = await fixture.kpis.run({ kpi: 'right_party_contact_rate', from: '2026-11-01', to: '2026-11-30', granularity: 'total' });
    expect(rows.map((r) => [r.channel, r.rightPartyContacts, r.attempts])).toEqual([['CALL', hand.rpc, hand.attempts]]);
    const ptp = await fixture.kpis.run({ kpi: 'promise_to_pay_rate', from: '2026-11-01', to: '2026-11-30', granularity: 'total' });
    expect(ptp.rows.map((r) => [r.numerator, r.denominator])).toEqual([[1, hand.rpc]]);
  });

  it('counts only the debtor’s dispute as a dispute', async () => {
    const { rows } = await fixture.kpis.run({ kpi: 'disputes_complaints', from: '2026-11-01', to: '2026-11-30', granularity: 'total' });
    expect(rows.map((r) => [r.disputes, r.complaints])).toEqual([[0, 0]]);
  });
});
