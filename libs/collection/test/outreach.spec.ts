import { fold, isDomainError } from '#kernel';
import {
  outreachDecider,
  type ActionScheduled,
  type OutreachCommand,
  type OutreachEvent,
  type OutreachState,
  type StartOutreach,
} from '../src/domain/index.js';
import { resolved, step } from './fixtures.js';

/**
 * The pre-delinquency track: an early warning on a current loan starts the (grade, M0) strategy's
 * steps timed before the next installment; each close of day adds what falls due; the due date ends it.
 */

const LADDER = [
  step('edu-7', { daysBeforeDue: 7 }, 'EMAIL', 'EDUCATION'),
  step('sms-3', { daysBeforeDue: 3 }, 'SMS', 'REMINDER', { priority: 2 }),
  step('push-0', { dpdDay: 0 }, 'APP_PUSH', 'EDUCATION'),
];

function start(overrides: Partial<StartOutreach['data']> = {}): StartOutreach {
  return {
    type: 'StartOutreach',
    data: {
      trackId: 'LY-W1',
      loanId: 'LY',
      customerId: 'cust-w',
      timeZone: 'Asia/Shanghai',
      grade: 'C',
      businessDate: '2026-06-04',
      nextDueDate: '2026-06-08',
      strategy: resolved(LADDER, 'pre-C-M0'),
      warning: { eventId: 'ew-1', episode: 1, severity: 'HIGH', asOf: '2026-06-04' },
      ...overrides,
    },
  };
}

function run(...commands: OutreachCommand[]): { state: OutreachState; answers: (OutreachEvent[] | string)[] } {
  let state = outreachDecider.initialState();
  const answers: (OutreachEvent[] | string)[] = [];
  for (const c of commands) {
    const out = outreachDecider.decide(c, state);
    if (isDomainError(out)) {
      answers.push(out.code);
      continue;
    }
    answers.push([...out]);
    state = fold(outreachDecider.evolve, state, out);
  }
  return { state, answers };
}

const steps = (events: OutreachEvent[] | string) =>
  (events as OutreachEvent[]).filter((e): e is ActionScheduled => e.type === 'ActionScheduled').map((e) => e.data.stepId);
const close = (businessDate: string): OutreachCommand => ({ type: 'CloseOutreachDay', data: { trackId: 'LY-W1', businessDate } });

describe('the pre-delinquency track', () => {
  it('starts with the steps already due before the installment (4 days ahead: the education email and the immediate push, not yet the 3-day SMS)', () => {
    const { answers } = run(start());
    const events = answers[0] as OutreachEvent[];
    expect(events[0]).toMatchObject({
      type: 'OutreachStarted',
      data: { trackId: 'LY-W1', dueDate: '2026-06-08', plan: { stage: 'M0', strategy: { strategyId: 'pre-C-M0' } } },
    });
    expect(steps(events).sort()).toEqual(['edu-7', 'push-0']);
    const email = events.find((e): e is ActionScheduled => e.type === 'ActionScheduled' && e.data.stepId === 'edu-7')!;
    expect(email.data).toMatchObject({
      caseId: 'LY-W1',
      track: 'PRE_DELINQUENCY',
      dpd: 0,
      dueOn: '2026-06-04',
      installmentDueDate: '2026-06-08',
      collectorId: null,
      actionId: 'LY-W1/M0.pre-C-M0.v1.champion/edu-7@2026-06-08',
    });
  });

  it('adds the 3-day SMS at the close of the day it falls due, never twice, and ends at the due date', () => {
    const { answers, state } = run(start(), close('2026-06-04'), close('2026-06-05'), close('2026-06-06'), close('2026-06-08'), close('2026-06-09'));
    expect(answers.slice(1).map((a) => (a as OutreachEvent[]).map((e) => (e.type === 'ActionScheduled' ? e.data.stepId : e.type)))).toEqual([
      [],
      ['sms-3'],
      [],
      ['OutreachEnded'],
      [],
    ]);
    expect(state.status).toBe('ended');
  });

  it('starts once per track, and not without a strategy for (grade, M0) or an installment ahead', () => {
    expect(run(start(), start()).answers[1]).toEqual([]);
    expect(run(start({ strategy: null })).answers[0]).toBe('NO_OUTREACH_STRATEGY');
    expect(run(start({ nextDueDate: '2026-06-04' })).answers[0]).toBe('NO_INSTALLMENT_AHEAD');
    expect(run(start({ nextDueDate: null })).answers[0]).toBe('NO_INSTALLMENT_AHEAD');
  });
});
