import { fold, isDomainError } from '#kernel';
import {
  DEFAULT_CONTACT_RULES,
  debtorDecider,
  type ActionRescheduled,
  type CaseDispatchFacts,
  type DebtorCommand,
  type DebtorEvent,
  type DebtorState,
  type DispatchableAction,
  type SetPreferredContactTimes,
} from '../src/domain/index.js';

/**
 * Preferred contact times on the debtor's ledger (set by the customer in the self-service channel):
 * windows inside the hours the rules allow, and the dispatch gate rescheduling an action planned
 * outside them to the next window instead of releasing it.
 */

const CUSTOMER = 'cust-p';
const OPEN: CaseDispatchFacts = { status: 'open', holds: {} };
const ZONE = 'Asia/Shanghai';

const action = (actionId: string, channel: DispatchableAction['channel'] = 'CALL'): DispatchableAction => ({
  caseId: 'L1-E1',
  actionId,
  loanId: 'L1',
  customerId: CUSTOMER,
  planId: 'M1.std.v1.champion',
  stepId: actionId,
  channel,
  purpose: 'NEGOTIATION',
  templateId: 'script',
  requiredCertification: null,
  priority: 1,
  performer: channel === 'CALL' ? 'COLLECTOR' : 'EXECUTOR',
  collectorId: null,
  dueOn: '2026-03-08',
  dpd: 7,
  installmentDueDate: null,
  strategy: null,
  supersedes: [],
});

const prefer = (channel: SetPreferredContactTimes['data']['channel'], windows: { start: string; end: string }[], rules = DEFAULT_CONTACT_RULES): SetPreferredContactTimes => ({
  type: 'SetPreferredContactTimes',
  data: { customerId: CUSTOMER, channel, windows, rules },
});
const release = (a: DispatchableAction, at: string, rules = DEFAULT_CONTACT_RULES): DebtorCommand => ({
  type: 'ReleaseAction',
  data: { customerId: CUSTOMER, timeZone: ZONE, action: a, at, caseFacts: OPEN, rules },
});

function run(...commands: DebtorCommand[]): { state: DebtorState; answers: (readonly DebtorEvent[] | string)[] } {
  let state = debtorDecider.initialState();
  const answers: (readonly DebtorEvent[] | string)[] = [];
  for (const c of commands) {
    const out = debtorDecider.decide(c, state);
    if (isDomainError(out)) {
      answers.push(out.code);
      continue;
    }
    answers.push(out);
    state = fold(debtorDecider.evolve, state, out);
  }
  return { state, answers };
}

describe('preferred contact times', () => {
  it('records windows inside the allowed hours, sorted, once; refuses windows in the quiet hours, overlapping, inverted or on field visits', () => {
    const r = run(
      prefer('CALL', [{ start: '18:00', end: '20:00' }, { start: '12:00', end: '13:30' }]),
      prefer('CALL', [{ start: '12:00', end: '13:30' }, { start: '18:00', end: '20:00' }]),
      prefer('CALL', [{ start: '21:00', end: '23:00' }]),
      prefer('CALL', [{ start: '07:30', end: '09:00' }]),
      prefer('SMS', [{ start: '09:00', end: '11:00' }, { start: '10:00', end: '12:00' }]),
      prefer('SMS', [{ start: '11:00', end: '10:00' }]),
      prefer('FIELD_VISIT', [{ start: '09:00', end: '11:00' }]),
    );
    expect(r.answers[0]).toEqual([{ type: 'ContactTimesPreferred', data: { customerId: CUSTOMER, channel: 'CALL', windows: [{ start: '12:00', end: '13:30' }, { start: '18:00', end: '20:00' }] } }]);
    expect(r.answers.slice(1)).toEqual([[], 'PREFERRED_TIME_OUTSIDE_HOURS', 'PREFERRED_TIME_OUTSIDE_HOURS', 'INVALID_PREFERRED_TIMES', 'INVALID_PREFERRED_TIMES', 'PREFERRED_TIME_NOT_OFFERED']);
    expect(r.state.preferredTimes).toEqual({ CALL: [{ start: '12:00', end: '13:30' }, { start: '18:00', end: '20:00' }] });
  });

  it('reschedules an action planned outside the windows to the next one (today’s, else tomorrow’s first), releases it inside, and leaves other channels alone', () => {
    const windows = [{ start: '12:00', end: '13:30' }, { start: '18:00', end: '20:00' }];
    const r = run(
      prefer('CALL', windows),
      release(action('call-a'), '2026-03-09T00:00:00Z'), // 08:00 local: before the first window
      release(action('call-b'), '2026-03-09T06:00:00Z'), // 14:00 local: between the windows
      release(action('call-c'), '2026-03-09T12:30:00Z'), // 20:30 local: after the last
      release(action('call-d'), '2026-03-09T10:15:00Z'), // 18:15 local: inside one
      release(action('sms-a', 'SMS'), '2026-03-09T00:00:00Z'), // no SMS preference
    );
    const verdict = (i: number) => (r.answers[i] as DebtorEvent[])[0];
    for (const [i, releaseAt, releaseDate] of [
      [1, '2026-03-09T04:00:00.000Z', '2026-03-09'],
      [2, '2026-03-09T10:00:00.000Z', '2026-03-09'],
      [3, '2026-03-10T04:00:00.000Z', '2026-03-10'],
    ] as const) {
      const e = verdict(i) as ActionRescheduled;
      expect([e.type, e.data.code, e.data.releaseAt, e.data.releaseDate]).toEqual(['ActionRescheduled', 'CONTACT_OUTSIDE_PREFERRED_TIME', releaseAt, releaseDate]);
      expect(e.data.details).toMatchObject({ preferredTimes: windows, timeZone: ZONE });
    }
    expect(verdict(4).type).toBe('ActionReleased');
    expect(verdict(5).type).toBe('ActionReleased');
    // Judged again at the window's opening, the rescheduled call is released.
    const again = debtorDecider.decide(release(action('call-b'), '2026-03-09T10:00:00Z'), r.state);
    expect(isDomainError(again) ? again.code : again.map((e) => e.type)).toEqual(['ActionReleased']);
  });

  it('never moves contact into the quiet hours: windows the rules now forbid are ignored, and the rules’ hours alone apply', () => {
    const { state } = run(prefer('CALL', [{ start: '08:00', end: '09:00' }]));
    // A later rulebook starts the allowed hours at 09:00: the 08:00-09:00 window is no longer allowed.
    const later = { ...DEFAULT_CONTACT_RULES, version: 'later', quietHours: { ...DEFAULT_CONTACT_RULES.quietHours, end: '09:00' } };
    const out = debtorDecider.decide(release(action('call-e'), '2026-03-09T02:00:00Z', later), state); // 10:00 local
    expect(isDomainError(out) ? out.code : out.map((e) => e.type)).toEqual(['ActionReleased']);
    // Cleared, no window holds an action any more.
    const cleared = run(prefer('CALL', [{ start: '18:00', end: '20:00' }]), prefer('CALL', []), release(action('call-f'), '2026-03-09T02:00:00Z'));
    expect((cleared.answers[2] as DebtorEvent[]).map((e) => e.type)).toEqual(['ActionReleased']);
  });
});
