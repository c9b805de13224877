import { deciderSpec } from '#kernel/testing';
import {
  caseDecider,
  strategyDefinitionProblem,
  type ActionScheduled,
  type CaseCommand,
  type CaseEvent,
  type CloseCaseDay,
  type Grade,
  type ResolvedStrategy,
} from '../src/domain/index.js';
import { CASE, M1_LADDER, M2_LADDER, OPENED, definition, history, openCase, resolved, run, step, types } from './fixtures.js';

const spec = deciderSpec(caseDecider);

const day = (businessDate: string, dpd: number, nextDueDate: string | null = '2025-04-01'): CloseCaseDay => ({
  type: 'CloseCaseDay',
  data: { caseId: CASE, businessDate, dpd, nextDueDate },
});
/** The case escalating to M2 on 2025-04-01 at DPD 31 under `strategy`. */
const toM2 = (strategy: ResolvedStrategy | null, grade: Grade = 'C', nextDueDate: string | null = null): Extract<CaseCommand, { type: 'ChangeStage' }> => ({
  type: 'ChangeStage',
  data: { caseId: CASE, stage: 'M2', dpd: 31, overdueAmount: 205_000, asOf: '2025-04-01', grade, strategy, nextDueDate },
});
const scheduled = (events: readonly CaseEvent[]) =>
  events.filter((e): e is ActionScheduled => e.type === 'ActionScheduled').map((e) => ({ step: e.data.stepId, dpd: e.data.dpd, dueOn: e.data.dueOn }));

describe('ladder scheduling', () => {
  it('opens a case with its grade, stage and strategy, and schedules the steps due at the opening DPD', () => {
    const events = spec.given([]).when(openCase()).thenTypes(['CaseOpened', 'ActionScheduled']);
    expect(events[0].data).toMatchObject({
      caseId: CASE,
      grade: 'C',
      stage: 'M1',
      queue: 'C:M1',
      plan: { planId: 'M1.std-C.v1.champion', strategy: { strategyId: 'std-C', version: 1, variant: 'champion' } },
    });
    expect(events[1].data).toMatchObject({
      actionId: `${CASE}/M1.std-C.v1.champion/sms-1`,
      stepId: 'sms-1',
      channel: 'SMS',
      purpose: 'REMINDER',
      templateId: 'tpl-sms-1',
      performer: 'EXECUTOR',
      dueOn: OPENED,
      dpd: 1,
      strategy: { strategyId: 'std-C', version: 1, variant: 'champion' },
    });
  });

  it('schedules each step once, on the day DPD reaches it', () => {
    const { events } = history(openCase(), day('2025-03-03', 2), day('2025-03-04', 3), day('2025-03-04', 3), day('2025-03-06', 5), day('2025-03-07', 6));
    expect(scheduled(events)).toEqual([
      { step: 'sms-1', dpd: 1, dueOn: OPENED },
      { step: 'call-3', dpd: 3, dueOn: '2025-03-04' },
      { step: 'edu-5', dpd: 5, dueOn: '2025-03-06' },
    ]);
  });

  it('gives collector steps to the assigned collector and channel steps to executors', () => {
    const { events } = history(openCase(), { type: 'AssignCase', data: { caseId: CASE, collectorId: 'c-1', team: 't-1' } }, day('2025-03-04', 3));
    const call = events.find((e): e is ActionScheduled => e.type === 'ActionScheduled' && e.data.stepId === 'call-3')!;
    expect(call.data).toMatchObject({ performer: 'COLLECTOR', collectorId: 'c-1' });
    const sms = events.find((e): e is ActionScheduled => e.type === 'ActionScheduled' && e.data.stepId === 'sms-1')!;
    expect(sms.data).toMatchObject({ performer: 'EXECUTOR', collectorId: null });
  });

  it('a case opened late gets one action per channel, the latest step, covering the earlier ones', () => {
    const events = spec.given([]).when(openCase({ dpd: 8 })).result as CaseEvent[];
    expect(
      scheduled(events)
        .map((s) => s.step)
        .sort(),
    ).toEqual(['call-3', 'edu-5', 'sms-7']);
    const sms = events.find((e): e is ActionScheduled => e.type === 'ActionScheduled' && e.data.channel === 'SMS')!;
    expect(sms.data.supersedes).toEqual(['sms-1']);
    // The covered step does not come due later either.
    const { state } = history(openCase({ dpd: 8 }));
    expect(scheduled(run(state, day('2025-03-10', 10)))).toEqual([]);
  });

  it('schedules steps timed before a due date once per installment', () => {
    const ladder = [step('pre-3', { daysBeforeDue: 3 }, 'SMS', 'EDUCATION'), step('sms-1', { dpdDay: 1 }, 'SMS', 'REMINDER')];
    const { events } = history(
      openCase({ strategy: resolved(ladder), nextDueDate: '2025-03-10' }),
      day('2025-03-06', 5, '2025-03-10'),
      day('2025-03-07', 6, '2025-03-10'),
      day('2025-03-08', 7, '2025-03-10'),
      day('2025-04-07', 38, '2025-04-10'),
    );
    const pre = events.filter((e): e is ActionScheduled => e.type === 'ActionScheduled' && e.data.stepId === 'pre-3');
    expect(pre.map((e) => [e.data.dueOn, e.data.installmentDueDate])).toEqual([
      ['2025-03-07', '2025-03-10'],
      ['2025-04-07', '2025-04-10'],
    ]);
    expect(new Set(pre.map((e) => e.data.actionId)).size).toBe(2);
  });

  it('escalates to the next stage with the strategy for (grade, new stage) and schedules its steps', () => {
    const { state } = history(openCase(), day('2025-03-04', 3));
    const events = run(state, toM2(resolved(M2_LADDER, 'std-D-M2', 4), 'D', '2025-05-01'));
    expect(types(events)).toEqual(['CaseEscalated', 'ActionScheduled']);
    expect(events[0].data).toMatchObject({ from: 'M1', to: 'M2', dpd: 31, grade: 'D', queue: 'D:M2', plan: { planId: 'M2.std-D-M2.v4.champion' } });
    expect(events[1].data).toMatchObject({
      stepId: 'call-31',
      requiredCertification: 'NEGOTIATION_ADVANCED',
      strategy: { strategyId: 'std-D-M2', version: 4 },
    });
    // The M1 ladder's remaining steps are no longer scheduled.
    const after = history(openCase(), day('2025-03-04', 3), toM2(resolved(M2_LADDER, 'std-D-M2', 4), 'D'));
    expect(scheduled(run(after.state, day('2025-04-15', 45, null))).map((s) => s.step)).toEqual(['visit-45']);
  });

  it('a strategy covering two stages has a plan per stage: escalating releases only the new stage’s first step, then its ladder day by day', () => {
    const bothStages = [...M1_LADDER.map((s) => ({ ...s, stage: 'M1' as const })), ...M2_LADDER.map((s) => ({ ...s, stage: 'M2' as const }))];
    const { state } = history(openCase({ strategy: resolved(bothStages) }), day('2025-03-04', 3));
    const escalate = toM2(resolved(bothStages));
    const events = run(state, escalate);
    expect(events[0].data).toMatchObject({ plan: { planId: 'M2.std-C.v1.champion', steps: M2_LADDER.map((s) => ({ stepId: s.stepId, stage: 'M2' })) } });
    expect(scheduled(events).map((s) => s.step)).toEqual(['call-31']);
    const after = history(openCase({ strategy: resolved(bothStages) }), day('2025-03-04', 3), escalate);
    expect(scheduled(run(after.state, day('2025-04-15', 45, null))).map((s) => s.step)).toEqual(['visit-45']);
  });

  it('entering a stage on a ladder placed on no stage releases only the furthest step reached, covering the earlier ones', () => {
    const oneLadder = [...M1_LADDER, ...M2_LADDER];
    const { state } = history(openCase({ strategy: resolved(oneLadder) }), day('2025-03-04', 3));
    const events = run(state, toM2(resolved(oneLadder)));
    const released = events.filter((e): e is ActionScheduled => e.type === 'ActionScheduled');
    expect(released.map((e) => e.data.stepId)).toEqual(['call-31']);
    expect([...released[0].data.supersedes].sort()).toEqual(M1_LADDER.map((s) => s.stepId).sort());
  });

  it('refuses a step placed on a stage the strategy does not cover', () => {
    const problem = strategyDefinitionProblem(definition({ champion: [{ ...M1_LADDER[0], stage: 'M3' }] }));
    expect(problem).toMatchObject({ code: 'INVALID_STRATEGY', details: { stepId: 'sms-1', stage: 'M3' } });
  });

  it('de-escalates when the stage improves, and ignores a repeated stage or a cure (closing handles that)', () => {
    const { state } = history(openCase({ stage: 'M2', dpd: 35, strategy: resolved(M2_LADDER) }));
    const change = (stage: 'M1' | 'M2' | 'M0') => ({
      type: 'ChangeStage' as const,
      data: { caseId: CASE, stage, dpd: 20, overdueAmount: 1, asOf: '2025-03-05', grade: 'C' as const, strategy: resolved(), nextDueDate: null },
    });
    expect(types(run(state, change('M1')))[0]).toBe('CaseDeescalated');
    expect(run(state, change('M2'))).toEqual([]);
    expect(run(state, change('M0'))).toEqual([]);
  });

  it('keeps a case on the strategy version it was opened with until its stage changes', () => {
    // Version 2 is active for new cases; the open case follows its v1 plan day by day.
    const { state } = history(openCase({ strategy: resolved(undefined, 'std-C', 1) }));
    const events = run(state, day('2025-03-04', 3));
    expect((events[0] as ActionScheduled).data.strategy).toEqual({ strategyId: 'std-C', version: 1, variant: 'champion' });
    const fresh = spec.given([]).when(openCase({ caseId: 'L2-E1', loanId: 'L2', strategy: resolved(undefined, 'std-C', 2) })).result as CaseEvent[];
    expect((fresh[1] as ActionScheduled).data.strategy).toMatchObject({ version: 2 });
  });

  it('schedules nothing while the case is on hold, and catches up when it resumes', () => {
    const { state } = history(openCase(), { type: 'PlaceOnHold', data: { caseId: CASE, holdId: 'h1', reason: 'DISPUTE', since: OPENED } });
    expect(run(state, day('2025-03-04', 3))).toEqual([]);
    const resumed = history(
      openCase(),
      { type: 'PlaceOnHold', data: { caseId: CASE, holdId: 'h1', reason: 'DISPUTE', since: OPENED } },
      { type: 'ReleaseHold', data: { caseId: CASE, holdId: 'h1', resolution: 'dispute resolved in the bank’s favour', on: '2025-03-05' } },
    );
    expect(scheduled(run(resumed.state, day('2025-03-05', 4))).map((s) => s.step)).toEqual(['call-3']);
  });

  it('opens a case without a plan when no strategy applies', () => {
    const events = spec
      .given([])
      .when(openCase({ strategy: null }))
      .thenTypes(['CaseOpened']);
    expect(events[0].data).toMatchObject({ plan: { planId: 'M1.none', strategy: null, steps: [] } });
  });

  it('opening twice is a no-op; a closed case schedules nothing more', () => {
    const { state, events } = history(openCase());
    spec.given(events).when(openCase()).then([]);
    const closed = history(openCase(), { type: 'CloseCase', data: { caseId: CASE, reason: 'CURED', closedOn: '2025-03-03' } });
    expect(run(closed.state, day('2025-03-04', 3))).toEqual([]);
    expect(state.status).toBe('open');
  });
});
