import { addDays, compareDates, isDomainError, type BusinessDate } from '#kernel';
import { reportedDpdOn } from '#loans';
import { decideCase, type CaseCommand } from './case/decide.js';
import { caseFacts, evolveCase, initialCaseState, type ActionScheduled, type CaseEvent, type CaseState, type Plan } from './case/events.js';
import { strategyLabel, type Grade, type ResolvedStrategy, type Stage } from './model.js';
import { nextDueDate } from './scheduling.js';
import { resolveStrategy, type StrategyDefinition } from './strategy.js';

/**
 * What-if replay of a case: its recorded history is turned back into the inputs the case decider
 * saw (opening, stage changes, holds, payments, closing, and one day close per calendar day), and
 * those inputs are decided again in memory with another strategy version wherever that version
 * covers the case's (grade, stage) at the time. Where it does not, the plan the case really had is
 * kept. Nothing is written. The scheduled actions of both runs are set side by side per day.
 *
 * Not replayed: collectors' plan adjustments (they name the real plan's steps) and contact attempts
 * (what people did, not what the strategy decided). Steps timed before a due date use the loan's
 * installments as Collection knows them now.
 */

export interface AlternativeStrategy {
  readonly strategyId: string;
  readonly version: number;
  readonly definition: StrategyDefinition;
}

export interface WhatIfInput {
  readonly caseId: string;
  /** The case stream as recorded. */
  readonly events: readonly CaseEvent[];
  /** The loan's installment due dates. */
  readonly installments: readonly { readonly seq: number; readonly dueDate: BusinessDate }[];
  readonly alternative: AlternativeStrategy;
  /** The last business day to close (defaults to the close date, else the latest date the case shows). */
  readonly through?: BusinessDate;
}

interface PlannedAction {
  readonly dueOn: BusinessDate;
  readonly stepId: string;
  readonly channel: string;
  readonly purpose: string;
  readonly dpd: number;
  readonly strategy: string;
}

interface WhatIfDay {
  readonly date: BusinessDate;
  readonly actual: readonly PlannedAction[];
  readonly whatIf: readonly PlannedAction[];
}

export interface WhatIfResult {
  readonly caseId: string;
  readonly alternative: { readonly strategyId: string; readonly version: number };
  readonly from: BusinessDate;
  readonly through: BusinessDate;
  /** The plans the replay used, in order, with whether each came from the alternative. */
  readonly plans: readonly { readonly asOf: BusinessDate; readonly stage: Stage; readonly strategy: string; readonly alternative: boolean }[];
  readonly days: readonly WhatIfDay[];
  readonly summary: {
    readonly actual: number;
    readonly whatIf: number;
    /** Actions on the same day, channel and purpose in both runs. */
    readonly same: number;
    readonly onlyActual: number;
    readonly onlyWhatIf: number;
    readonly differs: boolean;
  };
}

function planned(e: ActionScheduled): PlannedAction {
  const d = e.data;
  return { dueOn: d.dueOn, stepId: d.stepId, channel: d.channel, purpose: d.purpose, dpd: d.dpd, strategy: strategyLabel(d.strategy) };
}

const asStrategy = (plan: Plan): ResolvedStrategy | null =>
  plan.strategy ? { ref: plan.strategy, ladder: plan.steps, promiseTerms: plan.promiseTerms, adjustmentLimits: plan.adjustmentLimits } : null;

/** Every business date a case event names, to find where a history ends. */
function datesOf(event: CaseEvent): BusinessDate[] {
  const d = event.data as unknown as Record<string, unknown>;
  return ['openedOn', 'asOf', 'dueOn', 'since', 'on', 'businessDate', 'closedOn', 'keptOn', 'brokenOn']
    .map((k) => d[k])
    .filter((v): v is BusinessDate => typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v));
}

/** A timed input of the replay: a fact from the history on its business date. */
type Choose = (grade: Grade, stage: Stage, asOf: BusinessDate, actual: Plan) => ResolvedStrategy | null;

interface Input {
  readonly on: BusinessDate;
  /** Inputs of one date run in recorded order, before the day's close. */
  readonly seq: number;
  readonly build: (choose: Choose) => CaseCommand;
  readonly dpd?: { readonly value: number; readonly asOf: BusinessDate };
}

export function whatIf(input: WhatIfInput): WhatIfResult | null {
  const opened = input.events.find((e) => e.type === 'CaseOpened');
  if (!opened || opened.type !== 'CaseOpened') return null;
  const caseId = input.caseId;
  const inputs: Input[] = [];
  let closedOn: BusinessDate | null = null;
  /** A replayed command that moves the case's days past due as of its date. */
  const withDpd = (seq: number, asOf: BusinessDate, dpd: number, build: Input['build']) => inputs.push({ on: asOf, seq, dpd: { value: dpd, asOf }, build });
  /** The plan a replayed opening or stage change decides on: the alternative's strategy (or the real plan), from the date on. */
  const replanned = (
    choose: Choose,
    d: { readonly grade: Grade; readonly plan: Plan; readonly gradingPolicy?: string | null },
    stage: Stage,
    asOf: BusinessDate,
  ) => ({
    asOf,
    strategy: choose(d.grade, stage, asOf, d.plan),
    nextDueDate: nextDueDate(input, asOf),
    gradingPolicy: d.gradingPolicy ?? null,
  });
  input.events.forEach((e, seq) => {
    switch (e.type) {
      case 'CaseOpened': {
        const d = e.data;
        withDpd(seq, d.openedOn, d.dpd, (choose) => ({
          type: 'OpenCase',
          data: {
            ...caseFacts(d),
            caseId,
            oldestUnpaidDueDate: d.oldestUnpaidDueDate,
            ...replanned(choose, d, d.stage, d.openedOn),
          },
        }));
        return;
      }
      case 'CaseEscalated':
      case 'CaseDeescalated': {
        const d = e.data;
        withDpd(seq, d.asOf, d.dpd, (choose) => ({
          type: 'ChangeStage',
          data: {
            caseId,
            stage: d.to,
            dpd: d.dpd,
            overdueAmount: d.overdueAmount,
            grade: d.grade,
            ...replanned(choose, d, d.to, d.asOf),
          },
        }));
        return;
      }
      case 'CaseOnHold': {
        const d = e.data;
        inputs.push({ on: d.since, seq, build: () => ({ type: 'PlaceOnHold', data: { caseId, holdId: d.holdId, reason: d.reason, since: d.since } }) });
        return;
      }
      case 'CaseResumed': {
        const d = e.data;
        inputs.push({ on: d.on, seq, build: () => ({ type: 'ReleaseHold', data: { caseId, holdId: d.holdId, resolution: d.resolution, on: d.on } }) });
        return;
      }
      case 'PaymentRecorded': {
        const d = e.data;
        inputs.push({ on: d.businessDate, seq, build: () => ({ type: 'RecordPayment', data: { ...d, caseId } }) });
        return;
      }
      case 'CaseClosed': {
        const d = e.data;
        closedOn = d.closedOn;
        inputs.push({ on: d.closedOn, seq, build: () => ({ type: 'CloseCase', data: { caseId, reason: d.reason, closedOn: d.closedOn } }) });
        return;
      }
      default:
        return;
    }
  });

  const from = opened.data.openedOn;
  const latest = input.events.flatMap(datesOf).reduce((a, b) => (compareDates(a, b) >= 0 ? a : b), from);
  const through = input.through ?? closedOn ?? latest;
  const alt = input.alternative;
  const plans: { asOf: BusinessDate; stage: Stage; strategy: string; alternative: boolean }[] = [];
  const choose = (grade: Grade, stage: Stage, asOf: BusinessDate, actual: Plan): ResolvedStrategy | null => {
    const covers = alt.definition.keys.some((k) => k.grade === grade && k.stage === stage);
    const strategy = covers
      ? resolveStrategy(
          { strategyId: alt.strategyId, version: alt.version, effectiveFrom: asOf, activationSeq: 0, definition: alt.definition },
          { caseId, loanId: opened.data.loanId, customerId: opened.data.customerId },
        )
      : asStrategy(actual);
    plans.push({ asOf, stage, strategy: strategyLabel(strategy?.ref ?? null), alternative: covers });
    return strategy;
  };

  let state: CaseState = initialCaseState();
  let dpd = { value: 0, asOf: from };
  const whatIfActions: PlannedAction[] = [];
  const apply = (command: CaseCommand) => {
    const decided = decideCase(command, state);
    if (isDomainError(decided)) return;
    for (const event of decided) {
      state = evolveCase(state, event);
      if (event.type === 'ActionScheduled') whatIfActions.push(planned(event));
    }
  };
  const byDate = new Map<BusinessDate, Input[]>();
  for (const i of inputs) byDate.set(i.on, [...(byDate.get(i.on) ?? []), i]);
  for (let date = from; compareDates(date, through) <= 0; date = addDays(date, 1)) {
    for (const i of (byDate.get(date) ?? []).sort((a, b) => a.seq - b.seq)) {
      if (i.dpd) dpd = i.dpd;
      apply(i.build(choose));
    }
    if (state.status !== 'open') {
      if (state.status === 'closed') break;
      continue;
    }
    const dpdToday = reportedDpdOn({ delinquent: dpd.value > 0, dpd: dpd.value, dpdAsOf: dpd.asOf }, date);
    apply({ type: 'CloseCaseDay', data: { caseId, businessDate: date, dpd: dpdToday, nextDueDate: nextDueDate(input, addDays(date, 1)) } });
  }

  const actualActions = input.events.filter((e): e is ActionScheduled => e.type === 'ActionScheduled').map(planned);
  const days = new Map<BusinessDate, { actual: PlannedAction[]; whatIf: PlannedAction[] }>();
  const day = (date: BusinessDate) => days.get(date) ?? days.set(date, { actual: [], whatIf: [] }).get(date)!;
  for (const a of actualActions) day(a.dueOn).actual.push(a);
  for (const a of whatIfActions) day(a.dueOn).whatIf.push(a);
  const key = (a: PlannedAction) => `${a.dueOn}|${a.channel}|${a.purpose}`;
  const pending = new Map<string, number>();
  for (const a of actualActions) pending.set(key(a), (pending.get(key(a)) ?? 0) + 1);
  let same = 0;
  for (const a of whatIfActions) {
    const n = pending.get(key(a)) ?? 0;
    if (n > 0) {
      same++;
      pending.set(key(a), n - 1);
    }
  }
  return {
    caseId,
    alternative: { strategyId: alt.strategyId, version: alt.version },
    from,
    through,
    plans,
    days: [...days.entries()].sort(([a], [b]) => compareDates(a, b)).map(([date, d]) => ({ date, ...d })),
    summary: {
      actual: actualActions.length,
      whatIf: whatIfActions.length,
      same,
      onlyActual: actualActions.length - same,
      onlyWhatIf: whatIfActions.length - same,
      differs: actualActions.length !== same || whatIfActions.length !== same,
    },
  };
}
