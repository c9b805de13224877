import {
  addDays,
  compareDates,
  daysBetween,
  domainError,
  mulRatio,
  type BusinessDate,
  type Decider,
  type DomainError,
  type DomainEvent,
  type Fen,
} from '#kernel';
import type { AgencyStage, CommissionTerms } from './agency.js';

/**
 * One collection case's placements with agencies (stream `agencies.placement-<caseId>`): the stream
 * owns the rule "one case with at most one agency at a time", so two placements of one case racing
 * each other meet at its revision and only one is appended.
 *
 * A placement is requested (by the placement rule or by a supervisor), waits for the debtor's
 * notice, starts once Collection's dispatch gate released the notice (the debtor is told before
 * the agency may act), and ends by a recall: its term expired, the case cured or closed, a dispute,
 * a complaint or a restructuring put it on hold, or a supervisor recalled it with a reason. A
 * notice the gate withheld (the debtor opted out of the channel, contact is stopped) cancels it.
 * Payments recorded on the case while a placement is active are attributed to its agency with the
 * commission its contract gives (integer fen); a reversed payment reverses its commission.
 */

export const RECALL_REASONS = ['EXPIRED', 'CURED', 'CASE_CLOSED', 'DISPUTE', 'COMPLAINT', 'RESTRUCTURING', 'SUPERVISOR'] as const;
export type RecallReason = (typeof RECALL_REASONS)[number];

export type PlacementSource = 'RULE' | 'SUPERVISOR';

/**
 * The placement rule, a versioned value (its version goes on every placement's metadata): which
 * stages are placed, when a kept promise holds a case back, the term, how an agency is chosen, and
 * the notice the debtor gets before the placement starts.
 */
export interface PlacementPolicy {
  readonly version: string;
  readonly stages: readonly AgencyStage[];
  /** A case with a promise kept within this many days is not placed by the rule. */
  readonly noPromiseKeptDays: number;
  readonly termDays: number;
  readonly selection: 'ROUND_ROBIN' | 'BEST_PERFORMANCE';
  readonly notice: { readonly channel: 'SMS' | 'LETTER' | 'EMAIL'; readonly templateId: string };
}

export const DEFAULT_PLACEMENT_POLICY: PlacementPolicy = Object.freeze<PlacementPolicy>({
  version: 'placement-2026.1',
  stages: ['M3'],
  noPromiseKeptDays: 30,
  termDays: 90,
  selection: 'ROUND_ROBIN',
  notice: { channel: 'SMS', templateId: 'agency-placement-notice' },
});

// ---- events ----------------------------------------------------------------------------------------

interface PlacementRef {
  readonly placementId: string;
  readonly caseId: string;
  readonly agencyId: string;
}

export type PlacementRequested = DomainEvent<
  'PlacementRequested',
  PlacementRef & {
    readonly loanId: string;
    readonly customerId: string;
    readonly stage: AgencyStage;
    /** The overdue amount when placed: the base of the agency's recovery rate. */
    readonly overdueAmount: Fen;
    readonly requestedOn: BusinessDate;
    readonly termDays: number;
    readonly source: PlacementSource;
    readonly reason: string;
    readonly contractNo: string;
    readonly commission: CommissionTerms;
    /** The debtor's notice: the action Collection's dispatch gate judges before the placement starts. */
    readonly noticeActionId: string;
  }
>;
export type CasePlaced = DomainEvent<
  'CasePlaced',
  PlacementRef & {
    readonly loanId: string;
    readonly customerId: string;
    readonly startsOn: BusinessDate;
    readonly endsOn: BusinessDate;
    readonly noticeActionId: string;
    readonly noticeSentAt: string;
  }
>;
type PlacementCancelled = DomainEvent<'PlacementCancelled', PlacementRef & { readonly code: string; readonly reason: string }>;
export type CaseRecalled = DomainEvent<
  'CaseRecalled',
  PlacementRef & {
    readonly reason: RecallReason;
    readonly note: string | null;
    readonly recalledOn: BusinessDate;
    readonly recoveredAmount: Fen;
    readonly commission: Fen;
  }
>;
export type RecoveryAttributed = DomainEvent<
  'RecoveryAttributed',
  PlacementRef & {
    readonly reference: string;
    readonly amount: Fen;
    readonly valueDate: BusinessDate;
    readonly businessDate: BusinessDate;
    /** The payment split by the rate that applied to each part. */
    readonly parts: readonly { readonly amount: Fen; readonly bps: number; readonly commission: Fen }[];
    readonly commission: Fen;
    readonly contractNo: string;
  }
>;
export type RecoveryReversed = DomainEvent<
  'RecoveryReversed',
  PlacementRef & { readonly reference: string; readonly amount: Fen; readonly commission: Fen; readonly businessDate: BusinessDate; readonly cause: string }
>;

export type PlacementEvent = PlacementRequested | CasePlaced | PlacementCancelled | CaseRecalled | RecoveryAttributed | RecoveryReversed;
export const PLACEMENT_EVENT_TYPES: readonly PlacementEvent['type'][] = [
  'PlacementRequested',
  'CasePlaced',
  'PlacementCancelled',
  'CaseRecalled',
  'RecoveryAttributed',
  'RecoveryReversed',
];

// ---- state -----------------------------------------------------------------------------------------

interface CurrentPlacement extends PlacementRef {
  readonly status: 'NOTICE_PENDING' | 'ACTIVE';
  readonly stage: AgencyStage;
  readonly contractNo: string;
  readonly commission: CommissionTerms;
  readonly noticeActionId: string;
  readonly startsOn: BusinessDate | null;
  readonly endsOn: BusinessDate | null;
  readonly termDays: number;
  readonly recovered: Fen;
  readonly earned: Fen;
}

export interface PlacementState {
  readonly caseId: string | null;
  readonly current: CurrentPlacement | null;
  readonly placements: number;
  /** Every attributed payment by reference (past placements included), until reversed. */
  readonly attributed: Readonly<Record<string, { readonly placementId: string; readonly agencyId: string; readonly amount: Fen; readonly commission: Fen }>>;
}

const initialPlacementState = (): PlacementState => ({ caseId: null, current: null, placements: 0, attributed: {} });

function evolvePlacement(state: PlacementState, event: PlacementEvent): PlacementState {
  switch (event.type) {
    case 'PlacementRequested': {
      const e = event.data;
      return {
        ...state,
        caseId: e.caseId,
        placements: state.placements + 1,
        current: {
          placementId: e.placementId,
          caseId: e.caseId,
          agencyId: e.agencyId,
          status: 'NOTICE_PENDING',
          stage: e.stage,
          contractNo: e.contractNo,
          commission: e.commission,
          noticeActionId: e.noticeActionId,
          startsOn: null,
          endsOn: null,
          termDays: e.termDays,
          recovered: 0,
          earned: 0,
        },
      };
    }
    case 'CasePlaced':
      return state.current ? { ...state, current: { ...state.current, status: 'ACTIVE', startsOn: event.data.startsOn, endsOn: event.data.endsOn } } : state;
    case 'PlacementCancelled':
    case 'CaseRecalled':
      return { ...state, current: null };
    case 'RecoveryAttributed': {
      const e = event.data;
      const current =
        state.current && state.current.placementId === e.placementId
          ? { ...state.current, recovered: state.current.recovered + e.amount, earned: state.current.earned + e.commission }
          : state.current;
      return {
        ...state,
        current,
        attributed: { ...state.attributed, [e.reference]: { placementId: e.placementId, agencyId: e.agencyId, amount: e.amount, commission: e.commission } },
      };
    }
    case 'RecoveryReversed': {
      const e = event.data;
      const { [e.reference]: _reversed, ...attributed } = state.attributed;
      const current =
        state.current && state.current.placementId === e.placementId
          ? { ...state.current, recovered: state.current.recovered - e.amount, earned: state.current.earned - e.commission }
          : state.current;
      return { ...state, current, attributed };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

// ---- commission ------------------------------------------------------------------------------------

/**
 * The commission on a payment of `amount` recovered on a placement that has already recovered
 * `before`: with bands, each part of the payment at the rate of the band it falls in; without, the
 * whole at the stage's rate (else the default). Each part is rounded half away from zero to the fen.
 */
export function commissionOn(
  terms: CommissionTerms,
  stage: AgencyStage,
  before: Fen,
  amount: Fen,
): { parts: { amount: Fen; bps: number; commission: Fen }[]; commission: Fen } {
  const bands = terms.bands ?? [];
  const parts: { amount: Fen; bps: number; commission: Fen }[] = [];
  if (!bands.length) {
    const bps = terms.byStage?.[stage] ?? terms.defaultBps;
    parts.push({ amount, bps, commission: mulRatio(amount, bps, 10_000) });
  } else {
    let from = before;
    let left = amount;
    for (let i = 0; i < bands.length && left > 0; i++) {
      const ceiling = i + 1 < bands.length ? bands[i + 1].fromFen : Number.POSITIVE_INFINITY;
      if (from >= ceiling) continue;
      const part = Math.min(left, ceiling - from);
      parts.push({ amount: part, bps: bands[i].bps, commission: mulRatio(part, bands[i].bps, 10_000) });
      from += part;
      left -= part;
    }
  }
  return { parts, commission: parts.reduce((sum, p) => sum + p.commission, 0) };
}

// ---- the placement rule ----------------------------------------------------------------------------

/** What the rule needs to know of a case (from Collection's case, through its published service). */
export interface CaseFacts {
  readonly status: 'open' | 'closed' | 'none';
  readonly stage: string;
  readonly onHold: boolean;
  /** Business dates on which promises of the case were kept. */
  readonly promisesKeptOn: readonly BusinessDate[];
}

/** Why the rule does not place the case today, or null when it does. */
export function ruleHoldsBack(facts: CaseFacts, policy: PlacementPolicy, today: BusinessDate): string | null {
  if (facts.status !== 'open') return 'the case is not open';
  if (facts.onHold) return 'the case is on hold';
  if (!(policy.stages as readonly string[]).includes(facts.stage)) return `the rule places stages ${policy.stages.join(', ')}, not ${facts.stage}`;
  const recent = facts.promisesKeptOn.find((on) => daysBetween(on, today) < policy.noPromiseKeptDays);
  if (recent) return `a promise was kept on ${recent}, within ${policy.noPromiseKeptDays} days`;
  return null;
}

/** An agency the rule may choose: in force for the stage today with room, and its record. */
export interface AgencyCandidate {
  readonly agencyId: string;
  /** Placements it received so far (round-robin: the fewest first). */
  readonly placements: number;
  /** Recovered over placed balance in the last year, in basis points (null: no placements yet). */
  readonly recoveryBps: number | null;
}

/** The agencies in the order the policy tries them: round-robin, or best recent recovery (then round-robin). */
export function rankAgencies(candidates: readonly AgencyCandidate[], selection: PlacementPolicy['selection']): AgencyCandidate[] {
  const roundRobin = (a: AgencyCandidate, b: AgencyCandidate) =>
    a.placements - b.placements || (a.agencyId < b.agencyId ? -1 : a.agencyId > b.agencyId ? 1 : 0);
  const best = (a: AgencyCandidate, b: AgencyCandidate) => (b.recoveryBps ?? -1) - (a.recoveryBps ?? -1) || roundRobin(a, b);
  return [...candidates].sort(selection === 'BEST_PERFORMANCE' ? best : roundRobin);
}

// ---- commands --------------------------------------------------------------------------------------

export type PlacementCommand =
  | { readonly type: 'RequestPlacement'; readonly data: PlacementRequested['data'] }
  | {
      readonly type: 'StartPlacement';
      readonly data: {
        readonly placementId: string;
        readonly loanId: string;
        readonly customerId: string;
        readonly startsOn: BusinessDate;
        readonly sentAt: string;
      };
    }
  | { readonly type: 'CancelPlacement'; readonly data: { readonly placementId: string; readonly code: string; readonly reason: string } }
  | { readonly type: 'RecallCase'; readonly data: { readonly reason: RecallReason; readonly note: string | null; readonly onDate: BusinessDate } }
  | { readonly type: 'ExpirePlacement'; readonly data: { readonly businessDate: BusinessDate } }
  | {
      readonly type: 'AttributePayment';
      readonly data: { readonly reference: string; readonly amount: Fen; readonly valueDate: BusinessDate; readonly businessDate: BusinessDate };
    }
  | { readonly type: 'ReversePayment'; readonly data: { readonly reference: string; readonly businessDate: BusinessDate; readonly cause: string } };

function recalled(c: CurrentPlacement, reason: RecallReason, note: string | null, onDate: BusinessDate): CaseRecalled {
  return {
    type: 'CaseRecalled',
    data: {
      placementId: c.placementId,
      caseId: c.caseId,
      agencyId: c.agencyId,
      reason,
      note,
      recalledOn: onDate,
      recoveredAmount: c.recovered,
      commission: c.earned,
    },
  };
}

function decidePlacement(command: PlacementCommand, state: PlacementState): readonly PlacementEvent[] | DomainError {
  const c = state.current;
  switch (command.type) {
    case 'RequestPlacement': {
      const d = command.data;
      if (c?.placementId === d.placementId && c.agencyId === d.agencyId) return [];
      if (c)
        return domainError(
          'CASE_ALREADY_PLACED',
          `case ${d.caseId} is placed with agency ${c.agencyId}`,
          { agencyId: c.agencyId, placementId: c.placementId },
          'conflict',
        );
      if (!Number.isInteger(d.termDays) || d.termDays < 1) return domainError('TERM_INVALID', 'a placement lasts at least one day');
      return [{ type: 'PlacementRequested', data: d }];
    }
    case 'StartPlacement': {
      const d = command.data;
      if (!c || c.placementId !== d.placementId) return domainError('PLACEMENT_NOT_FOUND', `placement ${d.placementId} is not pending`, undefined, 'not_found');
      if (c.status === 'ACTIVE') return [];
      return [
        {
          type: 'CasePlaced',
          data: {
            placementId: c.placementId,
            caseId: c.caseId,
            agencyId: c.agencyId,
            loanId: d.loanId,
            customerId: d.customerId,
            startsOn: d.startsOn,
            endsOn: addDays(d.startsOn, c.termDays - 1),
            noticeActionId: c.noticeActionId,
            noticeSentAt: d.sentAt,
          },
        },
      ];
    }
    case 'CancelPlacement':
      if (!c || c.placementId !== command.data.placementId || c.status !== 'NOTICE_PENDING') return [];
      return [
        {
          type: 'PlacementCancelled',
          data: { placementId: c.placementId, caseId: c.caseId, agencyId: c.agencyId, code: command.data.code, reason: command.data.reason },
        },
      ];
    case 'RecallCase': {
      const d = command.data;
      if (!c) return domainError('CASE_NOT_PLACED', 'the case is not placed with an agency', undefined, 'conflict');
      if (d.reason === 'SUPERVISOR' && !d.note?.trim()) return domainError('REASON_REQUIRED', 'a supervisor recalls a case with a reason');
      return [recalled(c, d.reason, d.note, d.onDate)];
    }
    case 'ExpirePlacement':
      return c?.status === 'ACTIVE' && c.endsOn && compareDates(c.endsOn, command.data.businessDate) <= 0
        ? [recalled(c, 'EXPIRED', null, command.data.businessDate)]
        : [];
    case 'AttributePayment': {
      const d = command.data;
      // Only what is recovered while the agency holds the case counts as its recovery.
      if (!c || c.status !== 'ACTIVE' || !c.startsOn || compareDates(d.valueDate, c.startsOn) < 0 || state.attributed[d.reference]) return [];
      const { parts, commission } = commissionOn(c.commission, c.stage, c.recovered, d.amount);
      return [
        {
          type: 'RecoveryAttributed',
          data: {
            placementId: c.placementId,
            caseId: c.caseId,
            agencyId: c.agencyId,
            reference: d.reference,
            amount: d.amount,
            valueDate: d.valueDate,
            businessDate: d.businessDate,
            parts,
            commission,
            contractNo: c.contractNo,
          },
        },
      ];
    }
    case 'ReversePayment': {
      const d = command.data;
      const earlier = state.attributed[d.reference];
      if (!earlier || !state.caseId) return [];
      return [
        {
          type: 'RecoveryReversed',
          data: {
            placementId: earlier.placementId,
            caseId: state.caseId,
            agencyId: earlier.agencyId,
            reference: d.reference,
            amount: earlier.amount,
            commission: earlier.commission,
            businessDate: d.businessDate,
            cause: d.cause,
          },
        },
      ];
    }
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

export const placementDecider: Decider<PlacementCommand, PlacementEvent, PlacementState> = {
  initialState: initialPlacementState,
  decide: decidePlacement,
  evolve: evolvePlacement,
};

export const placementStream = (caseId: string): string => `agencies.placement-${caseId}`;
