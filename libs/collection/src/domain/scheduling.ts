import { compareDates, daysBetween, type BusinessDate } from '#kernel';
import { occurrenceKey, type Plan } from './case/events.js';
import type { ActionStep, LadderStep } from './model.js';

/**
 * Which steps of a plan fall due on a business date, given the case's days past due and the next
 * installment's due date. A step timed by `dpdDay` is due once DPD reaches it; a step timed by
 * `daysBeforeDue` is due from that many days before each installment up to its due date (once per
 * installment). Each step occurrence is scheduled once. When several steps on the same channel fall
 * due together (a case opened or resumed late), only the latest is scheduled and the earlier ones
 * are recorded as covered by it, so a debtor never receives a burst of catch-up messages.
 */
export interface DueStep {
  readonly step: LadderStep;
  readonly installmentDueDate: BusinessDate | null;
  readonly supersedes: readonly string[];
}

function byChannel(candidates: readonly { step: LadderStep; rank: number }[]): Map<string, { step: LadderStep; rank: number }[]> {
  const groups = new Map<string, { step: LadderStep; rank: number }[]>();
  for (const c of candidates) {
    const list = groups.get(c.step.channel) ?? [];
    list.push(c);
    groups.set(c.step.channel, list);
  }
  return groups;
}

function latestPerChannel(candidates: readonly { step: LadderStep; rank: number }[], installmentDueDate: BusinessDate | null): DueStep[] {
  const out: DueStep[] = [];
  for (const list of byChannel(candidates).values()) {
    const sorted = [...list].sort((a, b) => a.rank - b.rank || a.step.stepId.localeCompare(b.step.stepId));
    const latest = sorted[sorted.length - 1];
    out.push({ step: latest.step, installmentDueDate, supersedes: sorted.slice(0, -1).map((c) => c.step.stepId) });
  }
  return out;
}

function fromFurthestDay(candidates: readonly { step: LadderStep; rank: number }[]): DueStep[] {
  if (!candidates.length) return [];
  const furthest = Math.max(...candidates.map((c) => c.rank));
  const kept = latestPerChannel(
    candidates.filter((c) => c.rank === furthest),
    null,
  );
  const earlier = candidates.filter((c) => c.rank < furthest).map((c) => c.step.stepId);
  return kept.map((k, i) => (i === 0 ? { ...k, supersedes: [...k.supersedes, ...earlier] } : k));
}

/**
 * `entering`: the plan starts now (the case changed stage). Of its steps timed by DPD and already
 * due, only those of the furthest day reached go out (the stage's first step, for a plan whose steps
 * are placed on their stage); the earlier ones are recorded as covered by them, so entering a stage
 * never releases the ladder up to it at once.
 */
export function dueSteps(
  plan: Plan,
  scheduled: readonly string[],
  dpd: number,
  businessDate: BusinessDate,
  nextDueDate: BusinessDate | null,
  entering = false,
): DueStep[] {
  const done = new Set(scheduled);
  const byDpd: { step: LadderStep; rank: number }[] = [];
  const beforeDue: { step: LadderStep; rank: number }[] = [];
  const daysToDue = nextDueDate ? daysBetween(businessDate, nextDueDate) : null;
  for (const step of plan.steps) {
    if ('dpdDay' in step.when) {
      if (step.when.dpdDay <= dpd && !done.has(occurrenceKey(plan.planId, step.stepId, null))) byDpd.push({ step, rank: step.when.dpdDay });
    } else if (nextDueDate && daysToDue !== null && daysToDue >= 0 && daysToDue <= step.when.daysBeforeDue) {
      if (!done.has(occurrenceKey(plan.planId, step.stepId, nextDueDate))) beforeDue.push({ step, rank: -step.when.daysBeforeDue });
    }
  }
  return [...(entering ? fromFurthestDay(byDpd) : latestPerChannel(byDpd, null)), ...latestPerChannel(beforeDue, nextDueDate)].sort(
    (a, b) => a.step.priority - b.step.priority || a.step.stepId.localeCompare(b.step.stepId),
  );
}

/** The first installment due on or after the date (for steps timed before a due date). */
export function nextDueDate(loan: { readonly installments: readonly { readonly dueDate: BusinessDate }[] }, date: BusinessDate): BusinessDate | null {
  return (
    loan.installments
      .map((i) => i.dueDate)
      .sort(compareDates)
      .find((d) => compareDates(d, date) >= 0) ?? null
  );
}

/** What an ActionScheduled repeats of its ladder step: which step, on which channel, for what, by whom. */
export function stepOfAction(step: LadderStep): ActionStep {
  return {
    stepId: step.stepId,
    channel: step.channel,
    purpose: step.purpose,
    templateId: step.templateId,
    requiredCertification: step.requiredCertification,
    priority: step.priority,
    performer: step.performer,
  };
}

/** The step's planned send time and its zone, on an ActionScheduled only when the step names them. */
export function sendTimeOf(step: LadderStep): { readonly sendTime?: string; readonly sendTimeZone?: string } {
  return { ...(step.sendTime ? { sendTime: step.sendTime } : {}), ...(step.sendTimeZone ? { sendTimeZone: step.sendTimeZone } : {}) };
}
