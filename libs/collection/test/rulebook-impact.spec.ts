import { CN_2026_CONTACT_RULES, DEFAULT_CONTACT_RULES, rulebookImpact, type ImpactEvent } from '../src/domain/index.js';

/**
 * Rulebook impact: the history below was made under the 2025 standard. Judged again under the 2026
 * guideline, the 7th unanswered dial of 03-03 and the third-party call after a single failed
 * attempt would have been refused; the rest stands.
 */
const opened: ImpactEvent = { type: 'CaseOpened', streamId: 'collection.case-K1', data: { caseId: 'K1', customerId: 'C1', timeZone: 'Asia/Shanghai' } };
let n = 0;
function contact(channel: string, outcome: string, at: string, extra: Record<string, unknown> = {}): ImpactEvent {
  n++;
  return {
    type: 'ContactAttempted',
    streamId: 'collection.case-K1',
    data: {
      caseId: 'K1',
      attemptId: `a${n}`,
      actionId: null,
      channel,
      party: 'DEBTOR',
      thirdPartyContactId: null,
      by: { kind: 'COLLECTOR', id: n % 2 ? 'col-1' : 'col-2' },
      at,
      localDate: at.slice(0, 10),
      localTime: '10:00',
      rulesVersion: 'CN-2025.1',
      outcome,
      debtDisclosed: false,
      visitId: null,
      ...extra,
    },
  };
}

const history: ImpactEvent[] = [
  opened,
  {
    type: 'ThirdPartyExceptionRecorded',
    streamId: 'collection.debtor-C1',
    data: { customerId: 'C1', exceptionId: 'x1', reason: 'DEBTOR_UNREACHABLE', recordedBy: 'sup-1' },
  },
  contact('CALL', 'NO_ANSWER', '2026-03-03T01:00:00Z'), // a1, 09:00 in Shanghai
  contact('CALL', 'THIRD_PARTY_CONTACT', '2026-03-03T02:00:00Z', { party: 'THIRD_PARTY', thirdPartyContactId: 'tp-1' }), // a2, after one failure
  ...Array.from({ length: 6 }, (_, i) => contact('CALL', 'NO_ANSWER', `2026-03-03T0${i + 3}:00:00Z`)), // a3..a8: a8 is the 7th dial
  contact('SMS', 'DELIVERED', '2026-03-04T03:00:00Z'), // a9
  // The debtor disputes on a call (a10): the ledger records the stop just before the case records the call.
  { type: 'ContactStopped', streamId: 'collection.debtor-C1', data: { customerId: 'C1', stopId: 'a10', caseId: 'K1', reason: 'DISPUTE' } },
  contact('CALL', 'DISPUTE', '2026-03-05T02:00:00Z'), // a10
  contact('SMS', 'DELIVERED', '2026-03-05T03:00:00Z'), // a11: stopped by a10's dispute
];

describe('rulebook impact', () => {
  it('lists the past contacts the proposed rulebook would have refused, by rule, collector and channel', () => {
    const impact = rulebookImpact(history, CN_2026_CONTACT_RULES, '2026-03-01', '2026-03-31');
    expect(impact.contacts).toBe(11);
    expect(impact.refused.map((r) => [r.attemptId, r.code, r.by.id, r.channel, r.localDate, r.madeUnder])).toEqual([
      ['a2', 'CONTACT_THIRD_PARTY_NOT_PERMITTED', 'col-2', 'CALL', '2026-03-03', 'CN-2025.1'],
      ['a8', 'CONTACT_DAILY_DIAL_LIMIT', 'col-2', 'CALL', '2026-03-03', 'CN-2025.1'],
      ['a11', 'CONTACT_STOPPED', 'col-1', 'SMS', '2026-03-05', 'CN-2025.1'],
    ]);
    expect(impact.byRule).toEqual([
      { code: 'CONTACT_DAILY_DIAL_LIMIT', count: 1 },
      { code: 'CONTACT_STOPPED', count: 1 },
      { code: 'CONTACT_THIRD_PARTY_NOT_PERMITTED', count: 1 },
    ]);
    expect(impact.byCollector).toEqual([
      { by: 'collector:col-1', code: 'CONTACT_STOPPED', count: 1 },
      { by: 'collector:col-2', code: 'CONTACT_DAILY_DIAL_LIMIT', count: 1 },
      { by: 'collector:col-2', code: 'CONTACT_THIRD_PARTY_NOT_PERMITTED', count: 1 },
    ]);
    expect(impact.byChannel.map((g) => [g.channel, g.code])).toEqual([
      ['CALL', 'CONTACT_DAILY_DIAL_LIMIT'],
      ['CALL', 'CONTACT_THIRD_PARTY_NOT_PERMITTED'],
      ['SMS', 'CONTACT_STOPPED'],
    ]);
  });

  it('refuses nothing the rulebook in force let through, and counts only the range', () => {
    // (a11 was made under a rulebook that did not stop contact on a dispute.)
    const lenient = { ...DEFAULT_CONTACT_RULES, stopOnDispute: false };
    expect(rulebookImpact(history, lenient, '2026-03-01', '2026-03-31').refused).toEqual([]);
    const day = rulebookImpact(history, CN_2026_CONTACT_RULES, '2026-03-04', '2026-03-04');
    expect([day.contacts, day.refused.map((r) => r.attemptId)]).toEqual([1, []]);
  });

  it('judges quiet hours in the proposed window, in the debtor’s zone', () => {
    const late = { ...DEFAULT_CONTACT_RULES, stopOnDispute: false, version: 'quiet-to-10', quietHours: { ...DEFAULT_CONTACT_RULES.quietHours, end: '10:00' } };
    const impact = rulebookImpact(history, late, '2026-03-01', '2026-03-31');
    // a1 was made at 09:00 in Shanghai.
    expect(impact.refused.map((r) => [r.attemptId, r.code])).toEqual([['a1', 'CONTACT_OUTSIDE_HOURS']]);
  });
});
