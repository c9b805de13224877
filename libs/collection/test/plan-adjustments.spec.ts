import { deciderSpec } from '#kernel/testing';
import { caseDecider, type ActionScheduled, type AdjustmentRequest, type PlanAdjusted } from '../src/domain/index.js';
import { CASE, history, openCase, run, step, types } from './fixtures.js';

const spec = deciderSpec(caseDecider);
const collector = { id: 'c-1', role: 'collector' as const };
const adjust = (adjustment: AdjustmentRequest, reason = 'customer paid part, prefers email', dpd = 1) => ({
  type: 'AdjustPlan' as const,
  data: { caseId: CASE, adjustment, reason, by: collector, dpd },
});
const day = (businessDate: string, dpd: number) => ({ type: 'CloseCaseDay' as const, data: { caseId: CASE, businessDate, dpd, nextDueDate: null } });

describe('plan adjustments within limits', () => {
  const opened = history(openCase()).events;

  it('skips a future step, with the reason and who adjusted recorded', () => {
    const [adjusted] = spec
      .given(opened)
      .when(adjust({ kind: 'SKIP', stepId: 'edu-5' }))
      .thenTypes(['PlanAdjusted']) as PlanAdjusted[];
    expect(adjusted.data).toEqual({
      caseId: CASE,
      planId: 'M1.std-C.v1.champion',
      adjustment: { kind: 'SKIP', stepId: 'edu-5' },
      reason: 'customer paid part, prefers email',
      adjustedBy: 'c-1',
      adjustmentsUsed: 1,
    });
    const { state } = history(openCase(), adjust({ kind: 'SKIP', stepId: 'edu-5' }));
    const later = run(state, day('2025-03-06', 5)) as ActionScheduled[];
    expect(later.map((e) => e.data.stepId)).toEqual(['call-3']);
  });

  it('moves a step by at most the allowed days, never into the past, and schedules it on its new day', () => {
    spec
      .given(opened)
      .when(adjust({ kind: 'MOVE', stepId: 'edu-5', to: { dpdDay: 13 } }))
      .thenError('PLAN_SHIFT_TOO_LARGE');
    spec
      .given(opened)
      .when(adjust({ kind: 'MOVE', stepId: 'edu-5', to: { dpdDay: 1 } }))
      .thenError('PLAN_STEP_IN_PAST');
    spec
      .given(opened)
      .when(adjust({ kind: 'MOVE', stepId: 'edu-5', to: { daysBeforeDue: 3 } }))
      .thenError('PLAN_TIMING_KIND_CHANGED');
    const moved = history(openCase(), adjust({ kind: 'MOVE', stepId: 'edu-5', to: { dpdDay: 9 } }));
    expect(moved.events[moved.events.length - 1].data).toMatchObject({ adjustment: { kind: 'MOVE', stepId: 'edu-5', from: { dpdDay: 5 }, to: { dpdDay: 9 } } });
    expect((run(moved.state, day('2025-03-06', 5)) as ActionScheduled[]).map((e) => e.data.stepId)).toEqual(['call-3']);
    expect((run(moved.state, day('2025-03-10', 9)) as ActionScheduled[]).map((e) => e.data.stepId).sort()).toEqual(['call-3', 'edu-5', 'sms-7']);
  });

  it('adds a step on an allowed channel, but never a field visit (that needs approval)', () => {
    const added = step('sms-4', { dpdDay: 4 }, 'SMS', 'REMINDER');
    spec
      .given(opened)
      .when(adjust({ kind: 'ADD', step: added }))
      .thenTypes(['PlanAdjusted']);
    spec
      .given(opened)
      .when(adjust({ kind: 'ADD', step: step('visit-9', { dpdDay: 9 }, 'FIELD_VISIT', 'NEGOTIATION') }))
      .thenError('PLAN_CHANNEL_NOT_ADDABLE');
    spec
      .given(opened)
      .when(adjust({ kind: 'ADD', step: { ...added, stepId: 'sms-1' } }))
      .thenError('PLAN_STEP_EXISTS');
    spec
      .given(opened)
      .when(adjust({ kind: 'ADD', step: { ...added, when: { dpdDay: 1 } } }))
      .thenError('PLAN_STEP_IN_PAST');
    const { state } = history(openCase(), adjust({ kind: 'ADD', step: added }));
    expect((run(state, day('2025-03-05', 4)) as ActionScheduled[]).map((e) => e.data.stepId).sort()).toEqual(['call-3', 'sms-4']);
  });

  it('refuses to skip a demand, to change a step already scheduled, or a step that does not exist', () => {
    spec
      .given(opened)
      .when(adjust({ kind: 'SKIP', stepId: 'letter-20' }))
      .thenError('PLAN_STEP_NOT_SKIPPABLE');
    spec
      .given(opened)
      .when(adjust({ kind: 'SKIP', stepId: 'sms-1' }))
      .thenError('PLAN_STEP_ALREADY_SCHEDULED');
    spec
      .given(opened)
      .when(adjust({ kind: 'SKIP', stepId: 'nope' }))
      .thenError('PLAN_STEP_NOT_FOUND');
  });

  it('needs a reason, and allows only so many adjustments per plan', () => {
    spec
      .given(opened)
      .when(adjust({ kind: 'SKIP', stepId: 'edu-5' }, ' '))
      .thenError('REASON_REQUIRED');
    const three = history(
      openCase(),
      adjust({ kind: 'SKIP', stepId: 'edu-5' }),
      adjust({ kind: 'MOVE', stepId: 'sms-7', to: { dpdDay: 8 } }),
      adjust({ kind: 'MOVE', stepId: 'sms-7', to: { dpdDay: 9 } }),
    );
    expect(types(three.events).filter((t) => t === 'PlanAdjusted')).toHaveLength(3);
    spec
      .given(three.events)
      .when(adjust({ kind: 'MOVE', stepId: 'sms-7', to: { dpdDay: 10 } }))
      .thenError('PLAN_ADJUSTMENT_LIMIT');
  });

  it('uses the current DPD the command brings when the case’s last event is older', () => {
    spec
      .given(opened)
      .when(adjust({ kind: 'MOVE', stepId: 'edu-5', to: { dpdDay: 6 } }, 'call after payday', 6))
      .thenError('PLAN_STEP_IN_PAST');
  });
});
