import { fold } from '#kernel';
import { deciderSpec } from '#kernel/testing';
import {
  CN_2026_CONTACT_RULES,
  DEFAULT_CONTACT_RULES,
  caseDecider,
  debtorDecider,
  inQuietHours,
  localTimeOf,
  rulesInForce,
  type ContactBlocked,
  type ContactRules,
  type DebtorEvent,
  type DebtorState,
  type LogContact,
  type Outcome,
} from '../src/domain/index.js';
import { BASIC, CASE, CUSTOMER, OPENED, attempt, attempt as baseAttempt, history, logCall, openCase, run, types } from './fixtures.js';

const cases = deciderSpec(caseDecider);
const ledger = deciderSpec(debtorDecider);

function blockedCode(events: readonly { type: string; data: unknown }[]): string | null {
  const blocked = events.find((e): e is ContactBlocked => e.type === 'ContactBlocked');
  return blocked ? blocked.data.code : null;
}

/** A voice call logged on the debtor ledger at a given instant. */
function call(attemptId: string, at: string, outcome: Outcome = 'RIGHT_PARTY_CONTACT', extra: Partial<LogContact['data']> = {}): LogContact {
  return logCall(attemptId, at, { outcome, ...extra });
}

/** Runs ledger commands in order, each on the state the previous ones left. */
function ledgerAfter(...commands: LogContact[]): { state: DebtorState; events: DebtorEvent[] } {
  let state = debtorDecider.initialState();
  const events: DebtorEvent[] = [];
  for (const c of commands) {
    const out = debtorDecider.decide(c, state);
    if (!Array.isArray(out)) throw new Error(`refused: ${(out as { code: string }).code}`);
    events.push(...out);
    state = fold(debtorDecider.evolve, state, out);
  }
  return { state, events };
}

describe('local time of the customer (Intl)', () => {
  it('converts an instant into the customer’s wall-clock date and time', () => {
    expect(localTimeOf('2025-03-02T13:59:00Z', 'Asia/Shanghai')).toEqual({ date: '2025-03-02', minutes: 21 * 60 + 59, time: '21:59' });
    expect(localTimeOf('2025-03-02T16:30:00Z', 'Asia/Shanghai')).toEqual({ date: '2025-03-03', minutes: 30, time: '00:30' });
    expect(localTimeOf('2025-03-02T16:30:00Z', 'America/New_York')).toMatchObject({ date: '2025-03-02', time: '11:30' });
    // Daylight saving: New York is UTC-5 before 2025-03-09 and UTC-4 after.
    expect(localTimeOf('2025-03-08T12:30:00Z', 'America/New_York').time).toBe('07:30');
    expect(localTimeOf('2025-03-10T12:30:00Z', 'America/New_York').time).toBe('08:30');
  });

  it('treats the quiet window as [start, end), wrapping midnight', () => {
    const q = DEFAULT_CONTACT_RULES.quietHours;
    expect([21 * 60 + 59, 22 * 60, 23 * 60 + 59, 0, 7 * 60 + 59, 8 * 60].map((m) => inQuietHours(m, q))).toEqual([false, true, true, true, true, false]);
    expect(inQuietHours(12 * 60, { ...q, start: '12:00', end: '13:00' })).toBe(true);
    expect(inQuietHours(13 * 60, { ...q, start: '12:00', end: '13:00' })).toBe(false);
  });
});

describe('contact hours (22:00-08:00 in the customer’s time zone)', () => {
  const { events } = history(openCase());

  it.each([
    ['21:59 Shanghai', '2025-03-02T13:59:00Z', null],
    ['22:00 Shanghai', '2025-03-02T14:00:00Z', 'CONTACT_OUTSIDE_HOURS'],
    ['02:00 Shanghai', '2025-03-02T18:00:00Z', 'CONTACT_OUTSIDE_HOURS'],
    ['07:59 Shanghai', '2025-03-02T23:59:00Z', 'CONTACT_OUTSIDE_HOURS'],
    ['08:00 Shanghai', '2025-03-03T00:00:00Z', null],
  ])('a call at %s is %s', (_what, at, code) => {
    const result = cases.given(events).when(attempt({ at })).result as ContactBlocked[];
    expect(blockedCode(result)).toBe(code);
  });

  it('uses the customer’s time zone, not the server’s or UTC', () => {
    // 23:00 UTC is 07:00 next morning in Shanghai (quiet) but 18:00 in New York (allowed).
    const inShanghai = cases.given(events).when(attempt({ at: '2025-03-02T23:00:00Z' })).result as ContactBlocked[];
    expect(blockedCode(inShanghai)).toBe('CONTACT_OUTSIDE_HOURS');
    expect(inShanghai[0].data).toMatchObject({ localDate: '2025-03-03', localTime: '07:00', rulesVersion: 'CN-2025.1' });
    const ny = history(openCase({ timeZone: 'America/New_York' })).events;
    expect(types(cases.given(ny).when(attempt({ at: '2025-03-02T23:00:00Z', businessDate: '2025-03-02' })).result as ContactBlocked[])).toEqual([
      'ContactAttempted',
    ]);
  });

  it('records the refusal as ContactBlocked with the code, details and the rules version', () => {
    const [blocked] = cases
      .given(events)
      .when(attempt({ at: '2025-03-02T14:30:00Z' }))
      .thenTypes(['ContactBlocked']) as ContactBlocked[];
    expect(blocked.data).toMatchObject({
      caseId: CASE,
      attemptId: 'att-1',
      channel: 'CALL',
      code: 'CONTACT_OUTSIDE_HOURS',
      localTime: '22:30',
      details: { timeZone: 'Asia/Shanghai', quietHours: { start: '22:00', end: '08:00' } },
      rulesVersion: 'CN-2025.1',
    });
  });

  it('exempts letters by default, and follows another rules version when one is in force', () => {
    expect(
      types(
        cases.given(events).when(attempt({ channel: 'LETTER', outcome: 'DELIVERED', by: { kind: 'EXECUTOR', id: 'mailer' }, at: '2025-03-02T15:00:00Z' }))
          .result as never[],
      ),
    ).toEqual(['ContactAttempted']);
    const strict: ContactRules = {
      ...DEFAULT_CONTACT_RULES,
      version: 'CN-2025.2',
      quietHours: { ...DEFAULT_CONTACT_RULES.quietHours, start: '21:00', end: '09:00' },
    };
    const result = cases.given(events).when(attempt({ at: '2025-03-02T13:30:00Z' }, { rules: strict })).result as ContactBlocked[];
    expect(result[0].data).toMatchObject({ code: 'CONTACT_OUTSIDE_HOURS', rulesVersion: 'CN-2025.2' });
  });

  it('picks the rules version in force on the date', () => {
    const v2 = { ...DEFAULT_CONTACT_RULES, version: 'v2' };
    const v3 = { ...DEFAULT_CONTACT_RULES, version: 'v3' };
    const book = [
      { rules: v2, effectiveFrom: '2025-02-01' },
      { rules: v3, effectiveFrom: '2025-04-01' },
    ];
    expect(rulesInForce(book, '2025-01-31').version).toBe('CN-2025.1');
    expect(rulesInForce(book, '2025-02-01').version).toBe('v2');
    expect(rulesInForce(book, '2025-04-01').version).toBe('v3');
  });
});

describe('three effective voice calls per debtor per day, across collectors and executors', () => {
  it('refuses the fourth effective call of the customer’s day, whoever makes it and on whichever case', () => {
    const { state } = ledgerAfter(
      call('a1', '2025-03-02T01:00:00Z'),
      call('a2', '2025-03-02T02:00:00Z', 'PROMISE_TO_PAY', { caseId: 'OTHER-CASE' }),
      call('a3', '2025-03-02T03:00:00Z', 'CALLBACK_REQUESTED'),
    );
    const err = debtorDecider.decide(call('a4', '2025-03-02T05:00:00Z'), state);
    expect(err).toMatchObject({ code: 'CONTACT_DAILY_CALL_LIMIT', details: { localDate: '2025-03-02', effectiveCalls: 3, limit: 3 } });
  });

  it('counts only effective calls: unanswered ones do not use the allowance', () => {
    const { state, events } = ledgerAfter(
      call('a1', '2025-03-02T01:00:00Z', 'NO_ANSWER'),
      call('a2', '2025-03-02T01:10:00Z', 'BUSY'),
      call('a3', '2025-03-02T01:20:00Z'),
      call('a4', '2025-03-02T01:30:00Z'),
    );
    expect(events.map((e) => (e.type === 'DebtorContactLogged' ? [e.data.effectiveCall, e.data.effectiveCallsThatDay] : null))).toEqual([
      [false, 0],
      [false, 0],
      [true, 1],
      [true, 2],
    ]);
    expect(Array.isArray(debtorDecider.decide(call('a5', '2025-03-02T02:00:00Z'), state))).toBe(true);
  });

  it('starts a new count at the customer’s local midnight, not at UTC midnight', () => {
    const { state } = ledgerAfter(call('a1', '2025-03-02T01:00:00Z'), call('a2', '2025-03-02T02:00:00Z'), call('a3', '2025-03-02T03:00:00Z'));
    // 15:59 UTC is 23:59 in Shanghai: still the same local day.
    expect(debtorDecider.decide(call('a4', '2025-03-02T15:59:00Z'), state)).toMatchObject({ code: 'CONTACT_DAILY_CALL_LIMIT' });
    // 16:00 UTC is 00:00 the next day in Shanghai: a fresh allowance (quiet hours are the case's rule).
    expect(Array.isArray(debtorDecider.decide(call('a4', '2025-03-02T16:00:00Z'), state))).toBe(true);
  });

  it('does not let SMS or calls to third parties use up the debtor’s call allowance', () => {
    const exception: DebtorEvent = {
      type: 'ThirdPartyExceptionRecorded',
      data: { customerId: CUSTOMER, exceptionId: 'ex1', reason: 'DEBTOR_UNREACHABLE', recordedBy: 'sup' },
    };
    let state = fold(debtorDecider.evolve, debtorDecider.initialState(), [exception]);
    for (const [i, c] of [
      call('s1', '2025-03-02T01:00:00Z', 'DELIVERED', { channel: 'SMS' }),
      call('t1', '2025-03-02T01:10:00Z', 'THIRD_PARTY_CONTACT', { party: 'THIRD_PARTY', thirdPartyContactId: 'vault-contact-9' }),
      call('a1', '2025-03-02T01:20:00Z'),
      call('a2', '2025-03-02T01:30:00Z'),
      call('a3', '2025-03-02T01:40:00Z'),
    ].entries()) {
      const out = debtorDecider.decide(c, state);
      expect({ i, ok: Array.isArray(out) }).toEqual({ i, ok: true });
      state = fold(debtorDecider.evolve, state, out as DebtorEvent[]);
    }
    expect(debtorDecider.decide(call('a4', '2025-03-02T02:00:00Z'), state)).toMatchObject({ code: 'CONTACT_DAILY_CALL_LIMIT' });
  });

  it('the case records the ledger’s refusal as ContactBlocked', () => {
    const { events } = history(openCase());
    const verdict = { cleared: false as const, code: 'CONTACT_DAILY_CALL_LIMIT' as const, message: 'limit', details: { effectiveCalls: 3 } };
    const [blocked] = cases
      .given(events)
      .when(attempt({}, { debtorVerdict: verdict }))
      .thenTypes(['ContactBlocked']) as ContactBlocked[];
    expect(blocked.data).toMatchObject({ code: 'CONTACT_DAILY_CALL_LIMIT', details: { effectiveCalls: 3 } });
  });
});

describe('third parties', () => {
  const exception = (reason: 'DEBTOR_UNREACHABLE' | 'DECEASED'): DebtorEvent => ({
    type: 'ThirdPartyExceptionRecorded',
    data: { customerId: CUSTOMER, exceptionId: 'ex1', reason, recordedBy: 'sup-1' },
  });
  const toThirdParty = (extra: Partial<LogContact['data']> = {}) =>
    call('t1', '2025-03-02T02:00:00Z', 'THIRD_PARTY_CONTACT', { party: 'THIRD_PARTY', thirdPartyContactId: 'vault-contact-9', ...extra });

  it('contacts a third party only under a recorded exception', () => {
    ledger.given([]).when(toThirdParty()).thenError('CONTACT_THIRD_PARTY_NOT_PERMITTED');
    ledger
      .given([exception('DEBTOR_UNREACHABLE')])
      .when(toThirdParty())
      .thenTypes(['DebtorContactLogged']);
    ledger
      .given([exception('DEBTOR_UNREACHABLE'), { type: 'ThirdPartyExceptionEnded', data: { customerId: CUSTOMER, exceptionId: 'ex1' } }])
      .when(toThirdParty())
      .thenError('CONTACT_THIRD_PARTY_NOT_PERMITTED');
  });

  it('never contacts again, nor discloses to, a third party who refused', () => {
    const events = ledger
      .given([exception('DEBTOR_UNREACHABLE')])
      .when(toThirdParty({ outcome: 'REFUSED' }))
      .thenTypes(['DebtorContactLogged', 'ThirdPartyRefused']);
    ledger
      .given([exception('DEBTOR_UNREACHABLE'), ...events])
      .when(toThirdParty({ attemptId: 't2' }))
      .thenError('CONTACT_THIRD_PARTY_REFUSED');
    ledger
      .given([exception('DEBTOR_UNREACHABLE'), ...events])
      .when(toThirdParty({ attemptId: 't3', thirdPartyContactId: 'vault-contact-10' }))
      .thenTypes(['DebtorContactLogged']);
  });

  it('discloses the debt to a third party only when the debtor is deceased or lacks capacity', () => {
    ledger
      .given([exception('DEBTOR_UNREACHABLE')])
      .when(toThirdParty({ debtDisclosed: true }))
      .thenError('CONTACT_DISCLOSURE_FORBIDDEN');
    ledger
      .given([exception('DECEASED')])
      .when(toThirdParty({ debtDisclosed: true }))
      .thenTypes(['DebtorContactLogged']);
  });

  it('a third-party attempt must name the vault contact', () => {
    const { events } = history(openCase());
    cases
      .given(events)
      .when(attempt({ party: 'THIRD_PARTY' }))
      .thenError('THIRD_PARTY_CONTACT_REQUIRED');
  });
});

describe('disputes, complaints and opt-outs', () => {
  it('a dispute raised on a call stops all contact with the debtor until it is lifted', () => {
    const logged = ledger
      .given([])
      .when(call('a1', '2025-03-02T02:00:00Z', 'DISPUTE'))
      .thenTypes(['DebtorContactLogged', 'ContactStopped']);
    ledger
      .given(logged)
      .when(call('a2', '2025-03-03T02:00:00Z', 'DELIVERED', { channel: 'SMS', caseId: 'OTHER-CASE' }))
      .thenError('CONTACT_STOPPED');
    const lifted: DebtorEvent = { type: 'ContactStopLifted', data: { customerId: CUSTOMER, stopId: 'a1', resolution: 'resolved' } };
    ledger
      .given([...logged, lifted])
      .when(call('a2', '2025-03-03T02:00:00Z'))
      .thenTypes(['DebtorContactLogged']);
  });

  it('the case goes on hold on a dispute or a complaint and refuses contact while on hold', () => {
    const { events, state } = history(openCase());
    const disputed = run(state, attempt({ outcome: 'DISPUTE' }));
    expect(types(disputed)).toEqual(['ContactAttempted', 'CaseOnHold']);
    expect(disputed[1].data).toMatchObject({ holdId: 'att-1', reason: 'DISPUTE', since: OPENED });
    const [blocked] = cases
      .given([...events, ...disputed])
      .when(attempt({ attemptId: 'att-2', at: '2025-03-02T05:00:00Z' }))
      .thenTypes(['ContactBlocked']) as ContactBlocked[];
    expect(blocked.data.code).toBe('CONTACT_CASE_ON_HOLD');
    const complained = run(state, attempt({ outcome: 'COMPLAINT' }));
    expect(complained[1].data).toMatchObject({ reason: 'COMPLAINT' });
  });

  it('honours opt-outs of SMS and email, and offers none for other channels', () => {
    const out = (channel: 'SMS' | 'EMAIL' | 'CALL', optedOut = true) => ({
      type: 'SetChannelOptOut' as const,
      data: { customerId: CUSTOMER, channel, optedOut, rules: DEFAULT_CONTACT_RULES },
    });
    const sms = ledger.given([]).when(out('SMS')).thenTypes(['ChannelOptedOut']);
    const email = ledger.given(sms).when(out('EMAIL')).thenTypes(['ChannelOptedOut']);
    ledger
      .given([...sms, ...email])
      .when(call('s1', '2025-03-02T02:00:00Z', 'DELIVERED', { channel: 'SMS' }))
      .thenError('CONTACT_OPTED_OUT');
    ledger
      .given([...sms, ...email])
      .when(call('e1', '2025-03-02T02:00:00Z', 'DELIVERED', { channel: 'EMAIL' }))
      .thenError('CONTACT_OPTED_OUT');
    ledger
      .given([...sms, ...email])
      .when(call('c1', '2025-03-02T02:00:00Z'))
      .thenTypes(['DebtorContactLogged']);
    ledger.given([]).when(out('CALL')).thenError('OPT_OUT_NOT_OFFERED');
    const back = ledger.given(sms).when(out('SMS', false)).thenTypes(['ChannelOptedIn']);
    ledger
      .given([...sms, ...back])
      .when(call('s2', '2025-03-02T02:00:00Z', 'DELIVERED', { channel: 'SMS' }))
      .thenTypes(['DebtorContactLogged']);
  });
});

describe('field visits need a supervisor’s approval', () => {
  const sup = { id: 'sup-1', role: 'supervisor' as const };
  const request = {
    type: 'RequestFieldVisit' as const,
    data: { caseId: CASE, visitId: 'v1', plannedOn: '2025-03-05', reason: 'unreachable by phone', by: { id: 'c-1', role: 'collector' as const } },
  };
  const visit = (visitId: string | null) => attempt({ channel: 'FIELD_VISIT', outcome: 'RIGHT_PARTY_CONTACT', visitId });

  it('refuses and records a visit that was not requested or not yet approved', () => {
    const { events } = history(openCase());
    expect(blockedCode(cases.given(events).when(visit(null)).result as ContactBlocked[])).toBe('CONTACT_FIELD_VISIT_NOT_APPROVED');
    const requested = history(openCase(), request).events;
    expect(blockedCode(cases.given(requested).when(visit('v1')).result as ContactBlocked[])).toBe('CONTACT_FIELD_VISIT_NOT_APPROVED');
  });

  it('lets a supervisor other than the requester approve; the report follows the approval', () => {
    const requested = history(openCase(), request).events;
    cases
      .given(requested)
      .when({ type: 'ApproveFieldVisit', data: { caseId: CASE, visitId: 'v1', by: { id: 'c-2', role: 'collector' } } })
      .thenError('SUPERVISOR_REQUIRED');
    const approved = cases
      .given(requested)
      .when({ type: 'ApproveFieldVisit', data: { caseId: CASE, visitId: 'v1', by: sup } })
      .thenTypes(['FieldVisitApproved']);
    cases
      .given([...requested, ...approved])
      .when(visit('v1'))
      .thenTypes(['ContactAttempted', 'FieldVisitReported']);
    const selfRequested = history(openCase(), { ...request, data: { ...request.data, by: sup } }).events;
    cases
      .given(selfRequested)
      .when({ type: 'ApproveFieldVisit', data: { caseId: CASE, visitId: 'v1', by: sup } })
      .thenError('MAKER_CANNOT_CHECK');
  });

  it('a rejected or already reported visit cannot be performed', () => {
    const rejected = history(openCase(), request, {
      type: 'RejectFieldVisit',
      data: { caseId: CASE, visitId: 'v1', reason: 'not proportionate', by: sup },
    }).events;
    expect(blockedCode(cases.given(rejected).when(visit('v1')).result as ContactBlocked[])).toBe('CONTACT_FIELD_VISIT_NOT_APPROVED');
    const reported = history(openCase(), request, { type: 'ApproveFieldVisit', data: { caseId: CASE, visitId: 'v1', by: sup } }, visit('v1')).events;
    expect(blockedCode(cases.given(reported).when(attempt({ attemptId: 'att-2', channel: 'FIELD_VISIT', visitId: 'v1' })).result as ContactBlocked[])).toBe(
      'CONTACT_FIELD_VISIT_NOT_APPROVED',
    );
  });
});

describe('the 2026 guideline’s procedure rules, checked on the report', () => {
  const sup = { id: 'sup-1', role: 'supervisor' as const };
  const rules = CN_2026_CONTACT_RULES;
  const at = '2026-03-02T02:00:00Z';
  const certified = { COLLECTION_BASIC: { ...BASIC.COLLECTION_BASIC, grantedOn: '2026-01-01', expiresOn: '2027-01-01' } };
  const attempt = ({ rules: inForce, ...overrides }: Parameters<typeof baseAttempt>[0] & { rules?: ContactRules }) =>
    baseAttempt(overrides, { collectorCertifications: certified, ...(inForce ? { rules: inForce } : {}) });
  const opened = history(openCase({ asOf: '2026-03-01', oldestUnpaidDueDate: '2026-02-28' })).events;
  const approvedVisit = history(
    openCase({ asOf: '2026-03-01', oldestUnpaidDueDate: '2026-02-28' }),
    {
      type: 'RequestFieldVisit',
      data: { caseId: CASE, visitId: 'v1', plannedOn: '2026-03-02', reason: 'unreachable by phone', by: { id: 'c-1', role: 'collector' } },
    },
    { type: 'ApproveFieldVisit', data: { caseId: CASE, visitId: 'v1', by: sup } },
  ).events;

  it('refuses and records a call without its recording reference; with one it is recorded on the attempt', () => {
    expect(blockedCode(cases.given(opened).when(attempt({ at, outcome: 'NO_ANSWER', rules })).result as ContactBlocked[])).toBe('CONTACT_RECORDING_MISSING');
    const [recorded] = cases
      .given(opened)
      .when(attempt({ at, outcome: 'NO_ANSWER', rules, recordingRef: 'rec-1' }))
      .thenTypes(['ContactAttempted']);
    expect(recorded.data).toMatchObject({ recordingRef: 'rec-1' });
    // The 2025 standard asks for none.
    cases
      .given(opened)
      .when(attempt({ at, outcome: 'NO_ANSWER' }))
      .thenTypes(['ContactAttempted']);
  });

  it('refuses a field visit made by one collector; two (the reporter and accompaniedBy) pass', () => {
    const visit = (accompaniedBy: string[]) => attempt({ at, channel: 'FIELD_VISIT', outcome: 'NOT_HOME', visitId: 'v1', rules, accompaniedBy });
    const alone = cases.given(approvedVisit).when(visit([])).result as ContactBlocked[];
    expect(blockedCode(alone)).toBe('CONTACT_FIELD_VISIT_UNDERSTAFFED');
    expect(alone[0].data.details).toEqual({ collectors: ['c-1'], required: 2 });
    expect(blockedCode(cases.given(approvedVisit).when(visit(['c-1'])).result as ContactBlocked[])).toBe('CONTACT_FIELD_VISIT_UNDERSTAFFED');
    const [reported] = cases
      .given(approvedVisit)
      .when(visit(['c-2']))
      .thenTypes(['ContactAttempted', 'FieldVisitReported']);
    expect(reported.data).toMatchObject({ accompaniedBy: ['c-2'] });
  });

  it('the first call that reaches someone names the bank; unanswered calls before it and contacts after it need not', () => {
    const call = (attemptId: string, outcome: Outcome, identified = false) =>
      attempt({ attemptId, at, outcome, rules, recordingRef: `rec-${attemptId}`, identified });
    const unanswered = cases.given(opened).when(call('a1', 'NO_ANSWER')).thenTypes(['ContactAttempted']);
    const first = cases.given([...opened, ...unanswered]).when(call('a2', 'RIGHT_PARTY_CONTACT')).result as ContactBlocked[];
    expect(blockedCode(first)).toBe('CONTACT_IDENTIFICATION_MISSING');
    const identified = cases
      .given([...opened, ...unanswered])
      .when(call('a2', 'RIGHT_PARTY_CONTACT', true))
      .thenTypes(['ContactAttempted']);
    expect(identified[0].data).toMatchObject({ identified: true });
    cases
      .given([...opened, ...unanswered, ...identified])
      .when(call('a3', 'CALLBACK_REQUESTED'))
      .thenTypes(['ContactAttempted']);
  });
});

describe('collector certification on contact', () => {
  const { events } = history(openCase());

  it('refuses and records an attempt by a collector without the base certification, or with a lapsed one', () => {
    expect(blockedCode(cases.given(events).when(attempt({}, { collectorCertifications: {} })).result as ContactBlocked[])).toBe('COLLECTOR_NOT_CERTIFIED');
    const lapsed = { COLLECTION_BASIC: { ...BASIC.COLLECTION_BASIC, expiresOn: '2025-03-02' } };
    expect(blockedCode(cases.given(events).when(attempt({}, { collectorCertifications: lapsed })).result as ContactBlocked[])).toBe('COLLECTOR_NOT_CERTIFIED');
    const lastDay = { COLLECTION_BASIC: { ...BASIC.COLLECTION_BASIC, expiresOn: '2025-03-03' } };
    expect(types(cases.given(events).when(attempt({}, { collectorCertifications: lastDay })).result as never[])).toEqual(['ContactAttempted']);
  });

  it('requires the certification the scheduled step names', () => {
    const withCall = history(openCase({ dpd: 3 })).events;
    const actionId = `${CASE}/M1.std-C.v1.champion/call-3`;
    const strictLadder = history(
      openCase({
        dpd: 3,
        strategy: {
          ...openCase().data.strategy!,
          ladder: openCase().data.strategy!.ladder.map((s) => (s.stepId === 'call-3' ? { ...s, requiredCertification: 'NEGOTIATION_ADVANCED' } : s)),
        },
      }),
    ).events;
    expect(types(cases.given(withCall).when(attempt({ actionId })).result as never[])).toEqual(['ContactAttempted']);
    const result = cases.given(strictLadder).when(attempt({ actionId })).result as ContactBlocked[];
    expect(result[0].data).toMatchObject({ code: 'COLLECTOR_NOT_CERTIFIED', details: { missing: ['NEGOTIATION_ADVANCED'] } });
  });

  it('does not ask executors for certifications', () => {
    expect(
      types(
        cases.given(events).when(attempt({ channel: 'SMS', outcome: 'DELIVERED', by: { kind: 'EXECUTOR', id: 'sms-gw' } }, { collectorCertifications: null }))
          .result as never[],
      ),
    ).toEqual(['ContactAttempted']);
  });
});

describe('contact attempts', () => {
  it('marks the scheduled action performed, and refuses malformed attempts without recording them', () => {
    const { events } = history(openCase());
    const actionId = `${CASE}/M1.std-C.v1.champion/sms-1`;
    cases
      .given(events)
      .when(attempt({ actionId, channel: 'SMS', outcome: 'DELIVERED', by: { kind: 'EXECUTOR', id: 'sms-gw' } }, { collectorCertifications: null }))
      .thenTypes(['ContactAttempted']);
    cases.given(events).when(attempt({ actionId })).thenError('ACTION_CHANNEL_MISMATCH');
    cases
      .given(events)
      .when(attempt({ actionId: 'nope' }))
      .thenError('ACTION_NOT_FOUND');
    cases
      .given(events)
      .when(attempt({ outcome: 'PROMISE_TO_PAY' }))
      .thenError('PROMISE_MISMATCH');
    cases.given([]).when(attempt()).thenError('CASE_NOT_FOUND');
    const closed = history(openCase(), { type: 'CloseCase', data: { caseId: CASE, reason: 'CURED', closedOn: OPENED } }).events;
    cases.given(closed).when(attempt()).thenError('CASE_CLOSED');
  });

  it('trusts an instant only on the open business day in the debtor’s time zone, and not before the case opened', () => {
    const { events } = history(openCase());
    // 2027: a future-dated call, refused outright (nothing recorded, so no daily count moves).
    const future = cases
      .given(events)
      .when(attempt({ at: '2027-06-01T02:00:00Z', businessDate: OPENED }))
      .thenError('OCCURRED_OUTSIDE_BUSINESS_DAY');
    expect(future.details).toEqual({ at: '2027-06-01T02:00:00Z', localDate: '2027-06-01', timeZone: 'Asia/Shanghai', openBusinessDate: OPENED });
    // The day after the open one, and the local date rather than UTC: 16:30Z on the 2nd is 00:30 on the 3rd in Shanghai.
    cases
      .given(events)
      .when(attempt({ at: '2025-03-03T02:00:00Z', businessDate: OPENED }))
      .thenError('OCCURRED_OUTSIDE_BUSINESS_DAY');
    cases
      .given(events)
      .when(attempt({ at: '2025-03-02T16:30:00Z', businessDate: OPENED }))
      .thenError('OCCURRED_OUTSIDE_BUSINESS_DAY');
    // The open day's last local minute is in: 15:59Z is 23:59 in Shanghai (quiet hours, so recorded as a block, not refused).
    cases
      .given(events)
      .when(attempt({ at: '2025-03-02T15:59:00Z', businessDate: OPENED }))
      .thenTypes(['ContactBlocked']);
    // Before the case opened: on an earlier local date than its opening day.
    const early = cases
      .given(events)
      .when(attempt({ at: '2025-03-01T02:00:00Z', businessDate: '2025-03-01' }))
      .thenError('OCCURRED_BEFORE_CASE_OPENED');
    expect(early.details).toMatchObject({ localDate: '2025-03-01', openedOn: OPENED });
    // A promise rides on its attempt, so a promise dated by a wrong instant is refused with it.
    cases
      .given(events)
      .when(
        attempt({
          at: '2027-06-01T02:00:00Z',
          businessDate: OPENED,
          outcome: 'PROMISE_TO_PAY',
          promise: { promiseId: 'p1', amount: 100_000, dueOn: '2027-06-05' },
        }),
      )
      .thenError('OCCURRED_OUTSIDE_BUSINESS_DAY');
  });

  it('an attempt id is recorded once', () => {
    const { events, state } = history(openCase(), attempt());
    expect(run(state, attempt())).toEqual([]);
    expect(types(events)).toContain('ContactAttempted');
  });
});
