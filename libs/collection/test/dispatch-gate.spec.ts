import { fold, isDomainError } from '#kernel';
import {
  BUILTIN_RULEBOOKS,
  CN_2026_CONTACT_RULES,
  DEFAULT_CONTACT_RULES,
  debtorDecider,
  localTimeOf,
  plannedSendTime,
  rulesInForce,
  type ActionRescheduled,
  type ActionWithheld,
  type CaseDispatchFacts,
  type ContactRules,
  type DebtorCommand,
  type DebtorEvent,
  type DebtorState,
  type DispatchableAction,
  type LogContact,
  type ReleaseAction,
  type SetPreferredContactTimes,
} from '../src/domain/index.js';
import { logCall } from './fixtures.js';

/**
 * The dispatch gate on the debtor's ledger: an action is released only if the contact rules pass
 * at its send time, for the debtor across all their cases; otherwise it is withheld (for good) or
 * rescheduled (time-based rules) with the rule's code.
 */

const CUSTOMER = 'cust-g';
const OPEN: CaseDispatchFacts = { status: 'open', holds: {} };

function action(actionId: string, overrides: Partial<DispatchableAction> = {}): DispatchableAction {
  return {
    caseId: 'L1-E1',
    actionId,
    loanId: 'L1',
    customerId: CUSTOMER,
    planId: 'M1.std.v1.champion',
    stepId: actionId,
    channel: 'SMS',
    purpose: 'REMINDER',
    templateId: 'tpl',
    requiredCertification: null,
    priority: 3,
    performer: 'EXECUTOR',
    collectorId: null,
    dueOn: '2025-03-02',
    dpd: 1,
    installmentDueDate: null,
    strategy: null,
    supersedes: [],
    ...overrides,
  };
}

function release(a: DispatchableAction, at: string, extra: Partial<ReleaseAction['data']> = {}): ReleaseAction {
  return {
    type: 'ReleaseAction',
    data: { customerId: CUSTOMER, timeZone: 'Asia/Shanghai', action: a, at, caseFacts: OPEN, rules: DEFAULT_CONTACT_RULES, ...extra },
  };
}

/** A right-party call logged on this file's debtor's ledger. */
function log(attemptId: string, at: string, extra: Partial<LogContact['data']> = {}): LogContact {
  return logCall(attemptId, at, { customerId: CUSTOMER, ...extra });
}

/** Runs commands in order on one ledger; a refusal is kept as the command's answer. */
function ledger(...commands: DebtorCommand[]): { state: DebtorState; events: DebtorEvent[]; answers: (readonly DebtorEvent[] | { code: string })[] } {
  let state = debtorDecider.initialState();
  const events: DebtorEvent[] = [];
  const answers: (readonly DebtorEvent[] | { code: string })[] = [];
  for (const c of commands) {
    const out = debtorDecider.decide(c, state);
    if (isDomainError(out)) {
      answers.push({ code: out.code });
      continue;
    }
    answers.push(out);
    events.push(...out);
    state = fold(debtorDecider.evolve, state, out);
  }
  return { state, events, answers };
}

const last = (r: ReturnType<typeof ledger>) => r.answers[r.answers.length - 1];
const codeOf = (answer: readonly DebtorEvent[] | { code: string }): string | null => {
  if (!Array.isArray(answer)) return (answer as { code: string }).code;
  const held = answer.find((e): e is ActionWithheld | ActionRescheduled => e.type === 'ActionWithheld' || e.type === 'ActionRescheduled');
  return held ? held.data.code : null;
};
const typesOf = (answer: readonly DebtorEvent[] | { code: string }) =>
  Array.isArray(answer) ? answer.map((e) => e.type) : [(answer as { code: string }).code];

describe('the dispatch gate', () => {
  const morning = '2025-03-03T01:00:00Z'; // 09:00 in Shanghai

  it('releases an action that passes every rule, at its send time, in the debtor’s zone, with the rules version', () => {
    const r = ledger(release(action('a1'), morning));
    expect(r.events).toEqual([
      {
        type: 'ActionReleased',
        data: expect.objectContaining({
          actionId: 'a1',
          caseId: 'L1-E1',
          channel: 'SMS',
          sendAt: '2025-03-03T01:00:00.000Z',
          localDate: '2025-03-03',
          localTime: '09:00',
          timeZone: 'Asia/Shanghai',
          rulesVersion: 'CN-2025.1',
          action: action('a1'),
        }),
      },
    ]);
    // Judged once: the same action again is nothing new.
    const again = debtorDecider.decide(release(action('a1'), morning), r.state);
    expect(again).toEqual([]);
  });

  it('withholds an SMS after an SMS opt-out (CONTACT_OPTED_OUT) and still releases the call', () => {
    const optOut: DebtorCommand = { type: 'SetChannelOptOut', data: { customerId: CUSTOMER, channel: 'SMS', optedOut: true, rules: DEFAULT_CONTACT_RULES } };
    const r = ledger(optOut, release(action('sms'), morning), release(action('call', { channel: 'CALL', performer: 'COLLECTOR' }), morning));
    expect(r.answers.slice(1).map(typesOf)).toEqual([['ActionWithheld'], ['ActionReleased']]);
    expect(codeOf(r.answers[1])).toBe('CONTACT_OPTED_OUT');
    expect((r.events[1] as ActionWithheld).data).toMatchObject({ actionId: 'sms', reason: 'the debtor opted out of SMS', rulesVersion: 'CN-2025.1' });
  });

  it('withholds every channel of every case while a dispute on any one of the debtor’s cases is open, and releases again once it is lifted', () => {
    const stop: DebtorCommand = { type: 'StopContact', data: { customerId: CUSTOMER, stopId: 'd1', caseId: 'L2-E1', reason: 'DISPUTE' } };
    const channels = ['CALL', 'SMS', 'EMAIL', 'APP_PUSH', 'LETTER'] as const;
    const r = ledger(stop, ...channels.map((channel) => release(action(`a-${channel}`, { channel }), morning)));
    expect(r.answers.slice(1).map(codeOf)).toEqual(channels.map(() => 'CONTACT_STOPPED'));
    expect((r.events[1] as ActionWithheld).data.details).toEqual({ stops: [{ stopId: 'd1', reason: 'DISPUTE', caseId: 'L2-E1' }] });
    const lifted = ledger(
      stop,
      { type: 'LiftContactStop', data: { customerId: CUSTOMER, stopId: 'd1', resolution: 'resolved' } },
      release(action('after'), morning),
    );
    expect(typesOf(last(lifted))).toEqual(['ActionReleased']);
  });

  it('withholds the actions of a case on hold or closed', () => {
    expect(codeOf(last(ledger(release(action('h'), morning, { caseFacts: { status: 'open', holds: { r1: 'RESTRUCTURING' } } }))))).toBe('CONTACT_CASE_ON_HOLD');
    expect(codeOf(last(ledger(release(action('c'), morning, { caseFacts: { status: 'closed', holds: {} } }))))).toBe('CONTACT_CASE_CLOSED');
  });

  it('reschedules an action inside the quiet hours in the debtor’s zone to the window’s opening, and releases it from then on', () => {
    // 21:50 in Shanghai is 22:50 in Tokyo, where the debtor is.
    const at = '2025-03-03T13:50:00Z';
    const r = ledger(release(action('late'), at, { timeZone: 'Asia/Tokyo' }));
    const [held] = r.events as ActionRescheduled[];
    expect(held.type).toBe('ActionRescheduled');
    expect(held.data).toMatchObject({
      code: 'CONTACT_OUTSIDE_HOURS',
      localTime: '22:50',
      timeZone: 'Asia/Tokyo',
      releaseAt: '2025-03-03T23:00:00.000Z',
      releaseDate: '2025-03-04',
    });
    expect(localTimeOf(held.data.releaseAt, 'Asia/Tokyo').time).toBe('08:00');
    // Before its moment a run changes nothing; from it, the action is released.
    expect(debtorDecider.decide(release(action('late'), '2025-03-03T22:59:00Z'), r.state)).toEqual([]);
    const later = debtorDecider.decide(release(action('late'), '2025-03-03T23:00:00Z'), r.state);
    expect(typesOf(later as DebtorEvent[])).toEqual(['ActionReleased']);
  });

  it('keeps one day per debtor across loans in two zones: a 1-a-day call limit refuses the second effective call 5 minutes later', () => {
    const oneCall: ContactRules = { ...DEFAULT_CONTACT_RULES, version: 'one-call', voice: { ...DEFAULT_CONTACT_RULES.voice, maxEffectiveCallsPerDay: 1 } };
    // The debtor's first contact came through the Shanghai loan: the ledger's zone is Shanghai.
    const earlier = log('c0', '2025-03-02T02:00:00Z', { rules: oneCall, caseId: 'L1-E1', timeZone: 'Asia/Shanghai', outcome: 'NO_ANSWER' });
    // 04:58Z is 23:58 on 03-02 in New York but 12:58 on 03-03 in Shanghai; 05:03Z is 13:03 there.
    const viaNewYork = log('c1', '2025-03-03T04:58:00Z', { rules: oneCall, caseId: 'L2-E1', timeZone: 'America/New_York' });
    const viaShanghai = log('c2', '2025-03-03T05:03:00Z', { rules: oneCall, caseId: 'L1-E1', timeZone: 'Asia/Shanghai' });
    const r = ledger(earlier, viaNewYork, viaShanghai);
    expect(r.state.timeZone).toBe('Asia/Shanghai');
    expect(typesOf(r.answers[1])).toEqual(['DebtorContactLogged']);
    expect(codeOf(r.answers[2])).toBe('CONTACT_DAILY_CALL_LIMIT');
    expect(r.state.effectiveCalls).toEqual({ '2025-03-03': 1 });
  });

  it('counts released calls towards the day’s cap: with a limit of 1, a second call action the same day is rescheduled to the next day', () => {
    const oneCall: ContactRules = { ...DEFAULT_CONTACT_RULES, version: 'one-call', voice: { ...DEFAULT_CONTACT_RULES.voice, maxEffectiveCallsPerDay: 1 } };
    const call = (id: string, caseId: string) => action(id, { channel: 'CALL', performer: 'COLLECTOR', caseId });
    const r = ledger(release(call('k1', 'L1-E1'), morning, { rules: oneCall }), release(call('k2', 'L2-E1'), morning, { rules: oneCall }));
    expect(r.answers.map(typesOf)).toEqual([['ActionReleased'], ['ActionRescheduled']]);
    expect((r.events[1] as ActionRescheduled).data).toMatchObject({
      code: 'CONTACT_DAILY_CALL_LIMIT',
      releaseDate: '2025-03-04',
      details: { releasedCalls: 1, effectiveCalls: 0, limit: 1 },
    });
    // The released call reported as unanswered no longer counts as pending; an effective one does count.
    const settled = ledger(
      release(call('k1', 'L1-E1'), morning, { rules: oneCall }),
      log('att-k1', '2025-03-03T01:10:00Z', { rules: oneCall, actionId: 'k1', outcome: 'NO_ANSWER' }),
      release(call('k2', 'L2-E1'), '2025-03-03T02:00:00Z', { rules: oneCall }),
    );
    expect(typesOf(last(settled))).toEqual(['ActionReleased']);
  });

  it('under the 2026 guideline refuses the 7th dial attempt of the day to an unanswered debtor and withholds the day’s next call action', () => {
    const rules = CN_2026_CONTACT_RULES;
    const dials = Array.from({ length: 6 }, (_, i) => log(`n${i}`, `2026-03-03T0${i + 1}:00:00Z`, { outcome: 'NO_ANSWER', rules }));
    const r = ledger(...dials, log('n7', '2026-03-03T08:00:00Z', { outcome: 'NO_ANSWER', rules }));
    expect(r.answers.slice(0, 6).map(typesOf)).toEqual(Array.from({ length: 6 }, () => ['DebtorContactLogged']));
    expect(codeOf(last(r))).toBe('CONTACT_DAILY_DIAL_LIMIT');
    expect(r.state.dialAttempts).toEqual({ '2026-03-03': 6 });
    const gated = debtorDecider.decide(
      release(action('k7', { channel: 'CALL', performer: 'COLLECTOR', dueOn: '2026-03-02' }), '2026-03-03T08:30:00Z', { rules }),
      r.state,
    ) as DebtorEvent[];
    expect(codeOf(gated)).toBe('CONTACT_DAILY_DIAL_LIMIT');
    // The 2025 standard has no dial limit: the same seventh attempt is logged.
    const old = ledger(
      ...dials.map((d) => ({ ...d, data: { ...d.data, rules: DEFAULT_CONTACT_RULES } })),
      log('n7', '2026-03-03T08:00:00Z', { outcome: 'NO_ANSWER' }),
    );
    expect(typesOf(last(old))).toEqual(['DebtorContactLogged']);
  });

  it('under the 2026 guideline contacts a third party for an unreachable debtor only after 3 failed attempts', () => {
    const rules = CN_2026_CONTACT_RULES;
    const exception: DebtorCommand = {
      type: 'RecordThirdPartyException',
      data: { customerId: CUSTOMER, exceptionId: 'x1', reason: 'DEBTOR_UNREACHABLE', recordedBy: 'sup-1' },
    };
    const third = (id: string, at: string) => log(id, at, { rules, party: 'THIRD_PARTY', thirdPartyContactId: 'tp-1', outcome: 'THIRD_PARTY_CONTACT' });
    const failed = (i: number) => log(`f${i}`, `2026-03-03T0${i + 1}:00:00Z`, { outcome: 'NO_ANSWER', rules });
    expect(codeOf(last(ledger(exception, failed(0), failed(1), third('t1', '2026-03-03T05:00:00Z'))))).toBe('CONTACT_THIRD_PARTY_NOT_PERMITTED');
    expect(typesOf(last(ledger(exception, failed(0), failed(1), failed(2), third('t1', '2026-03-03T05:00:00Z'))))).toEqual(['DebtorContactLogged']);
  });

  it('expires a released action nobody performed at the close of its day, and nothing else', () => {
    const released = ledger(release(action('e1'), morning));
    const expire = (businessDate: string, performed = false): DebtorCommand => ({
      type: 'ExpireAction',
      data: { customerId: CUSTOMER, actionId: 'e1', businessDate, performed },
    });
    expect(debtorDecider.decide(expire('2025-03-02'), released.state)).toEqual([]);
    expect(debtorDecider.decide(expire('2025-03-03', true), released.state)).toEqual([]);
    expect(debtorDecider.decide(expire('2025-03-03'), released.state)).toEqual([
      {
        type: 'ActionExpired',
        data: { customerId: CUSTOMER, caseId: 'L1-E1', actionId: 'e1', channel: 'SMS', businessDate: '2025-03-03', wasStatus: 'RELEASED' },
      },
    ]);
    const performed = ledger(
      release(action('e1'), morning),
      log('att-e1', '2025-03-03T02:00:00Z', { channel: 'SMS', outcome: 'DELIVERED', actionId: 'e1' }),
      expire('2025-03-03'),
    );
    expect(last(performed)).toEqual([]);
    // A withheld action never expires (it never reached a queue).
    const optOut: DebtorCommand = { type: 'SetChannelOptOut', data: { customerId: CUSTOMER, channel: 'SMS', optedOut: true, rules: DEFAULT_CONTACT_RULES } };
    expect(last(ledger(optOut, release(action('e1'), morning), expire('2025-03-03')))).toEqual([]);
  });

  it('plans an action for the day after the close that scheduled it: the step’s send time in its zone, else the contact window’s opening', () => {
    const a = action('p', { dueOn: '2025-03-02' });
    expect(plannedSendTime(a, 'Asia/Shanghai', 'Asia/Tokyo', DEFAULT_CONTACT_RULES)).toBe('2025-03-02T23:00:00.000Z');
    expect(plannedSendTime({ ...a, sendTime: '21:50', sendTimeZone: 'Asia/Shanghai' }, 'Asia/Tokyo', 'Asia/Tokyo', DEFAULT_CONTACT_RULES)).toBe(
      '2025-03-03T13:50:00.000Z',
    );
    expect(plannedSendTime({ ...a, sendTime: '09:30' }, 'America/New_York', 'Asia/Tokyo', DEFAULT_CONTACT_RULES)).toBe('2025-03-03T14:30:00.000Z');
  });
});

describe('the builtin rulebooks', () => {
  it('apply the 2025 national standard until 2026-01-29 and the 2026 guideline from 2026-01-30; a published version takes over from its date', () => {
    expect(rulesInForce(BUILTIN_RULEBOOKS, '2026-01-29').version).toBe('CN-2025.1');
    expect(rulesInForce(BUILTIN_RULEBOOKS, '2026-01-30').version).toBe('CN-2026.1');
    const bank = { rules: { ...CN_2026_CONTACT_RULES, version: 'BANK-2026.2' }, effectiveFrom: '2026-01-30' };
    expect(rulesInForce([...BUILTIN_RULEBOOKS, bank], '2026-01-30').version).toBe('BANK-2026.2');
    expect(CN_2026_CONTACT_RULES).toMatchObject({
      quietHours: { start: '22:00', end: '08:00' },
      voice: { maxEffectiveCallsPerDay: 3, maxDialAttemptsPerDay: 6, recordingRequired: true },
      thirdParty: { minFailedAttemptsBeforeThirdParty: 3 },
      fieldVisitMinCollectors: 2,
      firstContactIdentifiesBank: true,
    });
  });
});

/** Preferred contact times (set by the customer in the self-service channel) on the debtor's ledger, and the gate keeping to them. */
describe('preferred contact times at the gate', () => {
  const prefer = (channel: SetPreferredContactTimes['data']['channel'], windows: { start: string; end: string }[]): SetPreferredContactTimes => ({
    type: 'SetPreferredContactTimes',
    data: { customerId: CUSTOMER, channel, windows, rules: DEFAULT_CONTACT_RULES },
  });
  const call = (actionId: string) => action(actionId, { channel: 'CALL', performer: 'COLLECTOR', purpose: 'NEGOTIATION' });
  const windows = [
    { start: '12:00', end: '13:30' },
    { start: '18:00', end: '20:00' },
  ];

  it('records windows inside the allowed hours, sorted, once; refuses windows in the quiet hours, overlapping, inverted or on field visits', () => {
    const r = ledger(
      prefer('CALL', [windows[1], windows[0]]),
      prefer('CALL', windows),
      prefer('CALL', [{ start: '21:00', end: '23:00' }]),
      prefer('CALL', [{ start: '07:30', end: '09:00' }]),
      prefer('SMS', [
        { start: '09:00', end: '11:00' },
        { start: '10:00', end: '12:00' },
      ]),
      prefer('SMS', [{ start: '11:00', end: '10:00' }]),
      prefer('FIELD_VISIT', [{ start: '09:00', end: '11:00' }]),
    );
    expect(r.answers[0]).toEqual([{ type: 'ContactTimesPreferred', data: { customerId: CUSTOMER, channel: 'CALL', windows } }]);
    expect(r.answers.slice(1).map(codeOf)).toEqual([
      null,
      'PREFERRED_TIME_OUTSIDE_HOURS',
      'PREFERRED_TIME_OUTSIDE_HOURS',
      'INVALID_PREFERRED_TIMES',
      'INVALID_PREFERRED_TIMES',
      'PREFERRED_TIME_NOT_OFFERED',
    ]);
    expect(r.state.preferredTimes).toEqual({ CALL: windows });
  });

  it('reschedules an action planned outside the windows to the next one (today’s, else tomorrow’s first), releases it inside, and leaves other channels alone', () => {
    const r = ledger(
      prefer('CALL', windows),
      release(call('call-a'), '2026-03-09T00:00:00Z'), // 08:00 local: before the first window
      release(call('call-b'), '2026-03-09T06:00:00Z'), // 14:00 local: between the windows
      release(call('call-c'), '2026-03-09T12:30:00Z'), // 20:30 local: after the last
      release(call('call-d'), '2026-03-09T10:15:00Z'), // 18:15 local: inside one
      release(action('sms-a'), '2026-03-09T00:00:00Z'), // no SMS preference
    );
    const verdict = (i: number) => (r.answers[i] as DebtorEvent[])[0];
    for (const [i, releaseAt, releaseDate] of [
      [1, '2026-03-09T04:00:00.000Z', '2026-03-09'],
      [2, '2026-03-09T10:00:00.000Z', '2026-03-09'],
      [3, '2026-03-10T04:00:00.000Z', '2026-03-10'],
    ] as const) {
      const e = verdict(i) as ActionRescheduled;
      expect([e.type, e.data.code, e.data.releaseAt, e.data.releaseDate]).toEqual([
        'ActionRescheduled',
        'CONTACT_OUTSIDE_PREFERRED_TIME',
        releaseAt,
        releaseDate,
      ]);
      expect(e.data.details).toMatchObject({ preferredTimes: windows, timeZone: 'Asia/Shanghai' });
    }
    expect([verdict(4).type, verdict(5).type]).toEqual(['ActionReleased', 'ActionReleased']);
    // Judged again at the window's opening, the rescheduled call is released.
    expect(typesOf(debtorDecider.decide(release(call('call-b'), '2026-03-09T10:00:00Z'), r.state) as DebtorEvent[])).toEqual(['ActionReleased']);
  });

  it('never moves contact into the quiet hours: windows the rules now forbid are ignored, and cleared windows hold nothing', () => {
    const { state } = ledger(prefer('CALL', [{ start: '08:00', end: '09:00' }]));
    // A later rulebook starts the allowed hours at 09:00: the 08:00-09:00 window is no longer allowed.
    const later: ContactRules = { ...DEFAULT_CONTACT_RULES, version: 'later', quietHours: { ...DEFAULT_CONTACT_RULES.quietHours, end: '09:00' } };
    expect(typesOf(debtorDecider.decide(release(call('call-e'), '2026-03-09T02:00:00Z', { rules: later }), state) as DebtorEvent[])).toEqual([
      'ActionReleased',
    ]);
    const cleared = ledger(prefer('CALL', windows), prefer('CALL', []), release(call('call-f'), '2026-03-09T02:00:00Z'));
    expect(typesOf(last(cleared))).toEqual(['ActionReleased']);
  });
});
