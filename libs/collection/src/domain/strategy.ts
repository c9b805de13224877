import { createHash } from 'node:crypto';
import {
  compareDates,
  domainError,
  isDomainError,
  fourEyes,
  isBusinessDate,
  type Actor,
  type BusinessDate,
  type Decider,
  type DomainError,
  type DomainEvent,
  isTimeZone,
} from '#kernel';
import {
  CHANNELS,
  GRADES,
  PURPOSES,
  STAGES,
  type AdjustmentLimits,
  type Command,
  type Grade,
  type LadderStep,
  type PromiseTerms,
  type ResolvedStrategy,
  type Stage,
  type Variant,
} from './model.js';

/**
 * CollectionStrategy (stream `collection.strategy-<strategyId>`): versioned treatment ladders for
 * one or more (grade, stage) keys, under maker-checker. A risk manager proposes a version, a
 * different risk manager approves (or rejects) it, and an approved version is activated from a
 * business date. A version may carry a challenger ladder that receives a share of the cases.
 */

interface StrategyKey {
  readonly grade: Grade;
  readonly stage: Stage;
}

/**
 * What the champion/challenger arm is drawn for: the loan (so a loan that cures and falls behind
 * again keeps its arm), the customer (all their loans in one arm), or the case (versions proposed
 * before the unit was recorded, whose events carry none).
 */
export const ASSIGNMENT_UNITS = ['LOAN', 'CUSTOMER', 'CASE'] as const;
type AssignmentUnit = (typeof ASSIGNMENT_UNITS)[number];

export interface StrategyDefinition {
  readonly keys: readonly StrategyKey[];
  /** Absent on versions proposed before it was recorded: CASE. */
  readonly assignmentUnit?: AssignmentUnit;
  readonly champion: readonly LadderStep[];
  readonly challenger: { readonly ladder: readonly LadderStep[]; readonly trafficSharePct: number } | null;
  readonly promiseTerms: PromiseTerms;
  readonly adjustmentLimits: AdjustmentLimits;
}

type StrategyVersionProposed = DomainEvent<
  'StrategyVersionProposed',
  {
    readonly strategyId: string;
    readonly version: number;
    readonly definition: StrategyDefinition;
    readonly reason: string;
    readonly proposedBy: string;
    /** The champion/challenger review (Monitoring) the proposal cites, if any; absent on older events. */
    readonly reviewId?: string | null;
  }
>;
type StrategyVersionApproved = DomainEvent<'StrategyVersionApproved', { readonly strategyId: string; readonly version: number; readonly approvedBy: string }>;
type StrategyVersionRejected = DomainEvent<
  'StrategyVersionRejected',
  { readonly strategyId: string; readonly version: number; readonly rejectedBy: string; readonly reason: string }
>;
type StrategyVersionActivated = DomainEvent<
  'StrategyVersionActivated',
  {
    readonly strategyId: string;
    readonly version: number;
    readonly effectiveFrom: BusinessDate;
    readonly activatedBy: string;
    /** The version of this strategy it takes over from on that date, if any. */
    readonly supersedes: number | null;
  }
>;
export type StrategyEvent = StrategyVersionProposed | StrategyVersionApproved | StrategyVersionRejected | StrategyVersionActivated;

type VersionStatus = 'PROPOSED' | 'APPROVED' | 'REJECTED' | 'ACTIVE';

interface StrategyVersion {
  readonly version: number;
  readonly definition: StrategyDefinition;
  readonly status: VersionStatus;
  readonly proposedBy: string;
  readonly approvedBy: string | null;
  readonly effectiveFrom: BusinessDate | null;
}

export interface StrategyState {
  readonly strategyId: string | null;
  readonly versions: readonly StrategyVersion[];
}

type ProposeStrategyVersion = Command<
  'ProposeStrategyVersion',
  {
    readonly strategyId: string;
    readonly definition: StrategyDefinition;
    readonly reason: string;
    readonly reviewId?: string | null;
    /** Whether the cited review's stream (Monitoring's) holds a completed review; read by the handler. */
    readonly reviewFound?: boolean;
    readonly by: Actor;
  }
>;
type ApproveStrategyVersion = Command<'ApproveStrategyVersion', { readonly strategyId: string; readonly version: number; readonly by: Actor }>;
type RejectStrategyVersion = Command<
  'RejectStrategyVersion',
  { readonly strategyId: string; readonly version: number; readonly reason: string; readonly by: Actor }
>;
type ActivateStrategyVersion = Command<
  'ActivateStrategyVersion',
  { readonly strategyId: string; readonly version: number; readonly effectiveFrom: BusinessDate; readonly businessDate: BusinessDate; readonly by: Actor }
>;
export type StrategyCommand = ProposeStrategyVersion | ApproveStrategyVersion | RejectStrategyVersion | ActivateStrategyVersion;

// ---- validation -----------------------------------------------------------------------------------

const STEP_ID = /^[A-Za-z0-9._-]{1,40}$/;

function invalid(message: string, details: Record<string, unknown>): DomainError {
  return domainError('INVALID_STRATEGY', message, details);
}

export function ladderProblem(ladder: readonly LadderStep[], where: string): DomainError | null {
  if (ladder.length === 0) return invalid(`the ${where} ladder has no steps`, { ladder: where });
  const ids = new Set<string>();
  for (const [index, step] of ladder.entries()) {
    const at = { ladder: where, index, stepId: step.stepId };
    if (!STEP_ID.test(step.stepId)) return invalid('a step id is 1-40 letters, digits, . _ -', at);
    if (ids.has(step.stepId)) return invalid('step ids must be unique within a ladder', at);
    ids.add(step.stepId);
    const when = step.when as { dpdDay?: unknown; daysBeforeDue?: unknown };
    const hasDpd = when.dpdDay !== undefined;
    const hasBefore = when.daysBeforeDue !== undefined;
    if (hasDpd === hasBefore) return invalid('a step is timed by exactly one of dpdDay and daysBeforeDue', at);
    if (hasDpd && (!Number.isSafeInteger(when.dpdDay) || (when.dpdDay as number) < 0 || (when.dpdDay as number) > 3650)) {
      return invalid('dpdDay is a whole number of days, 0-3650', at);
    }
    if (hasBefore && (!Number.isSafeInteger(when.daysBeforeDue) || (when.daysBeforeDue as number) < 1 || (when.daysBeforeDue as number) > 60)) {
      return invalid('daysBeforeDue is a whole number of days, 1-60', at);
    }
    if (!(CHANNELS as readonly string[]).includes(step.channel)) return invalid('unknown channel', { ...at, channel: step.channel });
    if (!(PURPOSES as readonly string[]).includes(step.purpose)) return invalid('unknown purpose', { ...at, purpose: step.purpose });
    if (!step.templateId) return invalid('a step needs a template id', at);
    if (!Number.isSafeInteger(step.priority) || step.priority < 1 || step.priority > 9) return invalid('priority is 1 (most urgent) to 9', at);
    if (step.performer !== 'COLLECTOR' && step.performer !== 'EXECUTOR') return invalid('performer is COLLECTOR or EXECUTOR', at);
    if (step.channel === 'FIELD_VISIT' && step.performer !== 'COLLECTOR') return invalid('a field visit is performed by a collector', at);
    if (step.sendTime !== undefined && !/^([01]\d|2[0-3]):[0-5]\d$/.test(step.sendTime))
      return invalid('sendTime is HH:MM', { ...at, sendTime: step.sendTime });
    if (step.sendTimeZone !== undefined && (!step.sendTime || !isTimeZone(step.sendTimeZone))) {
      return invalid('sendTimeZone is a known IANA zone, given with a sendTime', { ...at, sendTimeZone: step.sendTimeZone });
    }
    if (step.stage !== undefined && !STAGES.includes(step.stage)) return invalid('unknown stage', { ...at, stage: step.stage });
  }
  return null;
}

/** A step placed on a stage's plan must be on a stage the strategy covers. */
function stageProblem(ladder: readonly LadderStep[], where: string, keys: readonly StrategyKey[]): DomainError | null {
  const stages = new Set(keys.map((k) => k.stage));
  const step = ladder.find((s) => s.stage !== undefined && !stages.has(s.stage));
  return step ? invalid('a step’s stage must be one of the strategy’s keys’ stages', { ladder: where, stepId: step.stepId, stage: step.stage }) : null;
}

export function strategyDefinitionProblem(definition: StrategyDefinition): DomainError | null {
  if (definition.keys.length === 0) return invalid('a strategy applies to at least one (grade, stage) key', {});
  const seen = new Set<string>();
  for (const key of definition.keys) {
    if (!(GRADES as readonly string[]).includes(key.grade) || !STAGES.includes(key.stage)) return invalid('unknown grade or stage', { key });
    const k = `${key.grade}:${key.stage}`;
    if (seen.has(k)) return invalid('a key is listed twice', { key });
    seen.add(k);
  }
  if (definition.assignmentUnit !== undefined && !ASSIGNMENT_UNITS.includes(definition.assignmentUnit)) {
    return invalid('assignmentUnit is LOAN, CUSTOMER or CASE', { assignmentUnit: definition.assignmentUnit });
  }
  const champion = ladderProblem(definition.champion, 'champion') ?? stageProblem(definition.champion, 'champion', definition.keys);
  if (champion) return champion;
  if (definition.challenger) {
    const share = definition.challenger.trafficSharePct;
    if (!Number.isSafeInteger(share) || share < 1 || share > 99) return invalid('the challenger traffic share is 1-99 percent', { trafficSharePct: share });
    const challenger = ladderProblem(definition.challenger.ladder, 'challenger') ?? stageProblem(definition.challenger.ladder, 'challenger', definition.keys);
    if (challenger) return challenger;
  }
  const t = definition.promiseTerms;
  if (!Number.isSafeInteger(t.graceDays) || t.graceDays < 0 || t.graceDays > 30) return invalid('promise grace is 0-30 days', { graceDays: t.graceDays });
  if (!Number.isSafeInteger(t.toleranceFen) || t.toleranceFen < 0)
    return invalid('promise tolerance is whole fen, not negative', { toleranceFen: t.toleranceFen });
  if (!Number.isSafeInteger(t.toleranceBps) || t.toleranceBps < 0 || t.toleranceBps > 10_000)
    return invalid('toleranceBps is 0-10000', { toleranceBps: t.toleranceBps });
  if (t.minAmountFen !== undefined && t.minAmountFen !== null && (!Number.isSafeInteger(t.minAmountFen) || t.minAmountFen < 1))
    return invalid('minAmountFen is whole fen, at least 1', { minAmountFen: t.minAmountFen });
  if (t.minOverdueBps !== undefined && (!Number.isSafeInteger(t.minOverdueBps) || t.minOverdueBps < 0 || t.minOverdueBps > 10_000))
    return invalid('minOverdueBps is 0-10000', { minOverdueBps: t.minOverdueBps });
  if (t.maxHorizonDays !== undefined && (!Number.isSafeInteger(t.maxHorizonDays) || t.maxHorizonDays < 1 || t.maxHorizonDays > 366))
    return invalid('maxHorizonDays is 1-366', { maxHorizonDays: t.maxHorizonDays });
  const l = definition.adjustmentLimits;
  if (!Number.isSafeInteger(l.maxAdjustments) || l.maxAdjustments < 0 || l.maxAdjustments > 50) return invalid('maxAdjustments is 0-50', {});
  if (!Number.isSafeInteger(l.maxShiftDays) || l.maxShiftDays < 0 || l.maxShiftDays > 60) return invalid('maxShiftDays is 0-60', {});
  return null;
}

// ---- decide ----------------------------------------------------------------------------------------

function requireRiskManager(by: Actor, what: string): DomainError | null {
  if (by.role !== 'risk_manager') {
    return domainError('RISK_MANAGER_REQUIRED', `only a risk manager may ${what} a strategy version`, { role: by.role }, 'forbidden');
  }
  return null;
}

function findVersion(state: StrategyState, strategyId: string, version: number): StrategyVersion | DomainError {
  const found = state.strategyId === strategyId ? state.versions.find((v) => v.version === version) : undefined;
  return found ?? domainError('STRATEGY_VERSION_NOT_FOUND', `strategy ${strategyId} has no version ${version}`, { strategyId, version }, 'not_found');
}

function decideStrategy(command: StrategyCommand, state: StrategyState): readonly StrategyEvent[] | DomainError {
  switch (command.type) {
    case 'ProposeStrategyVersion': {
      const d = command.data;
      const role = requireRiskManager(d.by, 'propose');
      if (role) return role;
      const problem = strategyDefinitionProblem(command.data.definition);
      if (problem) return problem;
      if (!command.data.reason.trim()) return domainError('REASON_REQUIRED', 'a proposal needs a reason');
      if (d.reviewId && d.reviewFound !== true) {
        return domainError('REVIEW_NOT_FOUND', `no completed champion/challenger review ${d.reviewId} to cite`, { reviewId: d.reviewId });
      }
      const pending = state.versions.find((v) => v.status === 'PROPOSED');
      if (pending) {
        return domainError(
          'STRATEGY_PROPOSAL_PENDING',
          `version ${pending.version} awaits approval or rejection first`,
          { version: pending.version },
          'conflict',
        );
      }
      const version = state.versions.length + 1;
      return [
        {
          type: 'StrategyVersionProposed',
          data: {
            strategyId: d.strategyId,
            version,
            definition: command.data.definition,
            reason: command.data.reason,
            proposedBy: d.by.id,
            reviewId: d.reviewId ?? null,
          },
        },
      ];
    }
    case 'ApproveStrategyVersion': {
      const d = command.data;
      const role = requireRiskManager(d.by, 'approve');
      if (role) return role;
      const v = findVersion(state, d.strategyId, d.version);
      if (isDomainError(v)) return v;
      if (v.status !== 'PROPOSED') {
        if (v.approvedBy === d.by.id) return [];
        return domainError(
          'STRATEGY_NOT_PROPOSED',
          `version ${d.version} is ${v.status.toLowerCase()}, not awaiting approval`,
          { status: v.status },
          'conflict',
        );
      }
      const sameHands = fourEyes(d.by.id, [v.proposedBy], 'the risk manager who proposed a version cannot approve it', { proposedBy: v.proposedBy });
      if (sameHands) return sameHands;
      return [{ type: 'StrategyVersionApproved', data: { strategyId: d.strategyId, version: d.version, approvedBy: d.by.id } }];
    }
    case 'RejectStrategyVersion': {
      const d = command.data;
      const role = requireRiskManager(d.by, 'reject');
      if (role) return role;
      const v = findVersion(state, d.strategyId, d.version);
      if (isDomainError(v)) return v;
      if (v.status !== 'PROPOSED') {
        return domainError(
          'STRATEGY_NOT_PROPOSED',
          `version ${d.version} is ${v.status.toLowerCase()}, not awaiting approval`,
          { status: v.status },
          'conflict',
        );
      }
      if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'a rejection needs a reason');
      return [{ type: 'StrategyVersionRejected', data: { strategyId: d.strategyId, version: d.version, rejectedBy: d.by.id, reason: d.reason } }];
    }
    case 'ActivateStrategyVersion': {
      const d = command.data;
      const role = requireRiskManager(d.by, 'activate');
      if (role) return role;
      const v = findVersion(state, d.strategyId, d.version);
      if (isDomainError(v)) return v;
      if (!isBusinessDate(d.effectiveFrom)) return domainError('INVALID_DATE', 'effectiveFrom must be a calendar date', { effectiveFrom: d.effectiveFrom });
      if (v.status === 'ACTIVE') {
        if (v.effectiveFrom === d.effectiveFrom) return [];
        return domainError('STRATEGY_ALREADY_ACTIVE', `version ${d.version} is active from ${v.effectiveFrom}`, { effectiveFrom: v.effectiveFrom }, 'conflict');
      }
      if (v.status !== 'APPROVED') {
        return domainError('STRATEGY_NOT_APPROVED', `version ${d.version} is ${v.status.toLowerCase()}; only an approved version can be activated`, {
          status: v.status,
        });
      }
      if (compareDates(d.effectiveFrom, d.businessDate) < 0) {
        return domainError('EFFECTIVE_DATE_IN_PAST', `a version is activated from the open business date (${d.businessDate}) or a later one`, {
          effectiveFrom: d.effectiveFrom,
          businessDate: d.businessDate,
        });
      }
      const previous = [...state.versions]
        .filter((x) => x.status === 'ACTIVE' && x.effectiveFrom !== null && compareDates(x.effectiveFrom, d.effectiveFrom) <= 0)
        .sort((a, b) => compareDates(a.effectiveFrom!, b.effectiveFrom!) || a.version - b.version)
        .at(-1);
      return [
        {
          type: 'StrategyVersionActivated',
          data: { strategyId: d.strategyId, version: d.version, effectiveFrom: d.effectiveFrom, activatedBy: d.by.id, supersedes: previous?.version ?? null },
        },
      ];
    }
  }
}

function evolveStrategy(state: StrategyState, event: StrategyEvent): StrategyState {
  const update = (version: number, change: Partial<StrategyVersion>): StrategyState => ({
    ...state,
    versions: state.versions.map((v) => (v.version === version ? { ...v, ...change } : v)),
  });
  switch (event.type) {
    case 'StrategyVersionProposed':
      return {
        strategyId: event.data.strategyId,
        versions: [
          ...state.versions,
          {
            version: event.data.version,
            definition: event.data.definition,
            status: 'PROPOSED',
            proposedBy: event.data.proposedBy,
            approvedBy: null,
            effectiveFrom: null,
          },
        ],
      };
    case 'StrategyVersionApproved':
      return update(event.data.version, { status: 'APPROVED', approvedBy: event.data.approvedBy });
    case 'StrategyVersionRejected':
      return update(event.data.version, { status: 'REJECTED' });
    case 'StrategyVersionActivated':
      return update(event.data.version, { status: 'ACTIVE', effectiveFrom: event.data.effectiveFrom });
    default:
      return state;
  }
}

export const strategyDecider: Decider<StrategyCommand, StrategyEvent, StrategyState> = {
  initialState: () => ({ strategyId: null, versions: [] }),
  decide: decideStrategy,
  evolve: evolveStrategy,
};

// ---- selection --------------------------------------------------------------------------------------

/** An activated strategy version as the catalog (read model) lists it. */
export interface ActiveStrategyVersion {
  readonly strategyId: string;
  readonly version: number;
  readonly effectiveFrom: BusinessDate;
  /** Order of activation (e.g. the activation event's global position), to break same-day ties. */
  readonly activationSeq: number;
  readonly definition: StrategyDefinition;
}

/**
 * The strategy version that applies to (grade, stage) on a date: of the activated versions covering
 * the key and effective by then, the one effective latest; on the same date, the one activated last.
 */
export function selectStrategy(catalog: readonly ActiveStrategyVersion[], grade: Grade, stage: Stage, onDate: BusinessDate): ActiveStrategyVersion | null {
  let best: ActiveStrategyVersion | null = null;
  for (const entry of catalog) {
    if (compareDates(entry.effectiveFrom, onDate) > 0) continue;
    if (!entry.definition.keys.some((k) => k.grade === grade && k.stage === stage)) continue;
    if (
      !best ||
      compareDates(entry.effectiveFrom, best.effectiveFrom) > 0 ||
      (entry.effectiveFrom === best.effectiveFrom && entry.activationSeq > best.activationSeq)
    ) {
      best = entry;
    }
  }
  return best;
}

/**
 * Champion or challenger for a case: a bucket 0-9999 from a SHA-256 of the strategy id and the case
 * id; buckets below the challenger's share (in hundredths of a percent) get the challenger. The same
 * case always lands in the same arm of a strategy, whichever process decides and however often.
 */
export function variantBucket(strategyId: string, caseId: string): number {
  const digest = createHash('sha256').update(`${strategyId}\u0000${caseId}`).digest();
  return digest.readUInt32BE(0) % 10_000;
}

export function chooseVariant(strategyId: string, caseId: string, challengerSharePct: number | null): Variant {
  if (!challengerSharePct) return 'champion';
  return variantBucket(strategyId, caseId) < challengerSharePct * 100 ? 'challenger' : 'champion';
}

/** Whom a strategy is resolved for: the case (or pre-delinquency track), its loan and its customer. */
export interface AssignmentSubject {
  readonly caseId: string;
  readonly loanId: string;
  readonly customerId: string;
}

/** The id the arm is drawn from, by the version's unit of assignment. */
function assignmentKey(definition: StrategyDefinition, subject: AssignmentSubject): string {
  const unit = definition.assignmentUnit ?? 'CASE';
  return unit === 'LOAN' ? subject.loanId : unit === 'CUSTOMER' ? subject.customerId : subject.caseId;
}

/** The strategy a case follows: version, arm (drawn for the version's unit) and that arm's ladder. */
export function resolveStrategy(entry: ActiveStrategyVersion, subject: AssignmentSubject): ResolvedStrategy {
  const challenger = entry.definition.challenger;
  const variant = chooseVariant(entry.strategyId, assignmentKey(entry.definition, subject), challenger?.trafficSharePct ?? null);
  return {
    ref: { strategyId: entry.strategyId, version: entry.version, variant },
    ladder: variant === 'challenger' && challenger ? challenger.ladder : entry.definition.champion,
    promiseTerms: entry.definition.promiseTerms,
    adjustmentLimits: entry.definition.adjustmentLimits,
  };
}
