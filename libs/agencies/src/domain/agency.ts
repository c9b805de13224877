import { compareDates, domainError, fourEyes, isBusinessDate, type BusinessDate, type Decider, type DomainError, type EventsOf, type Fen } from '#kernel';
import type { DelinquencyStage } from '#loans';

/**
 * A collection agency the bank places cases with (stream `agencies.agency-<agencyId>`): its
 * contract (term, the stages it may be given, how many cases it may hold at once, its commission),
 * its status, and the certifications of its collectors (by their ids only). A contract, first or
 * amended, is proposed by one risk manager and takes effect only once another approves it
 * (maker-checker). The agency stream also counts the cases it holds, so concurrent placements
 * never exceed its capacity (each is taken at the stream's revision).
 *
 * Events carry ids, codes, dates and amounts only: an agency is a legal entity (its registered
 * name and licence reference are not personal data); its collectors are ids.
 */

export const AGENCY_STAGES = ['M1', 'M2', 'M3', 'M4', 'M5', 'M6', 'M6+'] as const satisfies readonly DelinquencyStage[];
export type AgencyStage = (typeof AGENCY_STAGES)[number];

/** The certification every agency collector needs to contact a debtor (as the bank's own collectors). */
export const AGENT_BASE_CERTIFICATION = 'COLLECTION_BASIC';

/**
 * Commission: a rate in basis points of each payment recovered during a placement. With recovery
 * bands, the rate depends on how much the placement has recovered so far (a payment that crosses a
 * band's floor is split at it); without bands, on the stage the case was placed at (`byStage`,
 * else `defaultBps`).
 */
export interface CommissionTerms {
  readonly defaultBps: number;
  readonly byStage?: Partial<Record<AgencyStage, number>>;
  /** Ascending floors of cumulative recovery on one placement, the first at 0. */
  readonly bands?: readonly { readonly fromFen: Fen; readonly bps: number }[];
}

export interface AgencyContract {
  readonly contractNo: string;
  readonly startsOn: BusinessDate;
  readonly endsOn: BusinessDate;
  readonly stages: readonly AgencyStage[];
  /** Cases the agency may hold at once. */
  readonly capacity: number;
  readonly commission: CommissionTerms;
}

type AgencyStatus = 'PROPOSED' | 'ACTIVE' | 'REJECTED' | 'SUSPENDED';

// ---- events ----------------------------------------------------------------------------------------

/** Each agency event's data, by event type. */
interface AgencyEventData {
  readonly AgencyProposed: {
    readonly agencyId: string;
    readonly name: string;
    readonly licenceRef: string;
    readonly contract: AgencyContract;
    readonly proposedBy: string;
  };
  readonly AgencyApproved: { readonly agencyId: string; readonly contractNo: string; readonly approvedBy: string };
  readonly AgencyRejected: { readonly agencyId: string; readonly rejectedBy: string; readonly reason: string };
  readonly ContractAmendmentProposed: { readonly agencyId: string; readonly contract: AgencyContract; readonly proposedBy: string };
  readonly ContractAmendmentApproved: { readonly agencyId: string; readonly contract: AgencyContract; readonly approvedBy: string };
  readonly AgencySuspended: { readonly agencyId: string; readonly suspendedBy: string; readonly reason: string; readonly suspendedOn: BusinessDate };
  readonly AgentCertified: {
    readonly agencyId: string;
    readonly agentId: string;
    readonly certification: string;
    readonly grantedOn: BusinessDate;
    readonly expiresOn: BusinessDate;
    readonly recordedBy: string;
  };
  readonly AgencyPlacementTaken: { readonly agencyId: string; readonly caseId: string; readonly placementId: string; readonly onDate: BusinessDate };
  readonly AgencyPlacementReleased: { readonly agencyId: string; readonly caseId: string; readonly placementId: string };
}

export type AgencyEvent = EventsOf<AgencyEventData>;

export const AGENCY_EVENT_TYPES: readonly AgencyEvent['type'][] = [
  'AgencyProposed',
  'AgencyApproved',
  'AgencyRejected',
  'ContractAmendmentProposed',
  'ContractAmendmentApproved',
  'AgencySuspended',
  'AgentCertified',
  'AgencyPlacementTaken',
  'AgencyPlacementReleased',
];

// ---- state -----------------------------------------------------------------------------------------

export interface AgencyFile {
  readonly agencyId: string;
  readonly name: string;
  readonly licenceRef: string;
  readonly status: AgencyStatus;
  /** The contract in force (the proposed one until the agency is approved). */
  readonly contract: AgencyContract;
  readonly proposedBy: string;
  readonly amendment: { readonly contract: AgencyContract; readonly proposedBy: string } | null;
  readonly agents: Readonly<Record<string, Readonly<Record<string, { readonly grantedOn: BusinessDate; readonly expiresOn: BusinessDate }>>>>;
  /** Cases held now, by case id: the placement id. */
  readonly holding: Readonly<Record<string, string>>;
  /** Placements taken so far (round-robin counts them). */
  readonly placementsTaken: number;
}

export type AgencyState = { readonly status: 'none' } | AgencyFile;

export function evolveAgency(state: AgencyState, event: AgencyEvent): AgencyState {
  if (event.type === 'AgencyProposed') {
    const { agencyId, name, licenceRef, contract, proposedBy } = event.data;
    return { agencyId, name, licenceRef, status: 'PROPOSED', contract, proposedBy, amendment: null, agents: {}, holding: {}, placementsTaken: 0 };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'AgencyApproved':
      return { ...state, status: 'ACTIVE' };
    case 'AgencyRejected':
      return { ...state, status: 'REJECTED' };
    case 'ContractAmendmentProposed':
      return { ...state, amendment: { contract: event.data.contract, proposedBy: event.data.proposedBy } };
    case 'ContractAmendmentApproved':
      return { ...state, contract: event.data.contract, amendment: null };
    case 'AgencySuspended':
      return { ...state, status: 'SUSPENDED' };
    case 'AgentCertified': {
      const { agentId, certification, grantedOn, expiresOn } = event.data;
      return { ...state, agents: { ...state.agents, [agentId]: { ...state.agents[agentId], [certification]: { grantedOn, expiresOn } } } };
    }
    case 'AgencyPlacementTaken':
      return { ...state, holding: { ...state.holding, [event.data.caseId]: event.data.placementId }, placementsTaken: state.placementsTaken + 1 };
    case 'AgencyPlacementReleased': {
      const { [event.data.caseId]: _released, ...holding } = state.holding;
      return { ...state, holding };
    }
    default: {
      const _exhaustive: never = event;
      return state;
    }
  }
}

// ---- commands --------------------------------------------------------------------------------------

export type AgencyCommand =
  | {
      readonly type: 'ProposeAgency';
      readonly data: { readonly agencyId: string; readonly name: string; readonly licenceRef: string; readonly contract: AgencyContract; readonly by: string };
    }
  | { readonly type: 'ApproveAgency'; readonly data: { readonly agencyId: string; readonly by: string } }
  | { readonly type: 'RejectAgency'; readonly data: { readonly agencyId: string; readonly by: string; readonly reason: string } }
  | { readonly type: 'ProposeContractAmendment'; readonly data: { readonly agencyId: string; readonly contract: AgencyContract; readonly by: string } }
  | { readonly type: 'ApproveContractAmendment'; readonly data: { readonly agencyId: string; readonly by: string } }
  | {
      readonly type: 'SuspendAgency';
      readonly data: { readonly agencyId: string; readonly by: string; readonly reason: string; readonly onDate: BusinessDate };
    }
  | {
      readonly type: 'CertifyAgent';
      readonly data: {
        readonly agencyId: string;
        readonly agentId: string;
        readonly certification: string;
        readonly grantedOn: BusinessDate;
        readonly expiresOn: BusinessDate;
        readonly by: string;
      };
    }
  | {
      readonly type: 'TakePlacement';
      readonly data: {
        readonly agencyId: string;
        readonly caseId: string;
        readonly placementId: string;
        readonly stage: string;
        readonly onDate: BusinessDate;
      };
    }
  | { readonly type: 'ReleasePlacement'; readonly data: { readonly agencyId: string; readonly caseId: string; readonly placementId: string } };

/** What is wrong with a contract, or null. */
function contractProblem(contract: AgencyContract): DomainError | null {
  const bad = (message: string, details?: Record<string, unknown>) => domainError('CONTRACT_INVALID', message, details);
  if (!isBusinessDate(contract.startsOn) || !isBusinessDate(contract.endsOn)) return bad('the contract term is two business dates');
  if (compareDates(contract.endsOn, contract.startsOn) < 0)
    return bad('a contract ends on or after it starts', { startsOn: contract.startsOn, endsOn: contract.endsOn });
  if (!contract.stages.length) return bad('a contract names the stages the agency may be given');
  if (!Number.isInteger(contract.capacity) || contract.capacity < 1) return bad('capacity is a whole number of cases, at least 1');
  const rates = [contract.commission.defaultBps, ...Object.values(contract.commission.byStage ?? {}), ...(contract.commission.bands ?? []).map((b) => b.bps)];
  if (rates.some((bps) => !Number.isInteger(bps) || bps < 0 || bps > 5000)) return bad('commission rates are whole basis points from 0 to 5000 (50 %)');
  const bands = contract.commission.bands ?? [];
  if (bands.length && bands[0].fromFen !== 0) return bad('the first recovery band starts at 0 fen');
  if (bands.some((b, i) => !Number.isInteger(b.fromFen) || (i > 0 && b.fromFen <= bands[i - 1].fromFen)))
    return bad('recovery bands start at ascending whole fen amounts');
  return null;
}

/** Whether the contract lets the agency be given a case at `stage` on `onDate`, or why not. */
function contractRefusal(contract: AgencyContract, stage: string, onDate: BusinessDate): DomainError | null {
  if (compareDates(onDate, contract.startsOn) < 0 || compareDates(onDate, contract.endsOn) > 0) {
    return domainError(
      'CONTRACT_NOT_IN_FORCE',
      `contract ${contract.contractNo} runs ${contract.startsOn} to ${contract.endsOn}, not on ${onDate}`,
      { contractNo: contract.contractNo, onDate },
      'conflict',
    );
  }
  if (!(contract.stages as readonly string[]).includes(stage)) {
    return domainError(
      'STAGE_NOT_IN_CONTRACT',
      `contract ${contract.contractNo} covers ${contract.stages.join(', ')}, not ${stage}`,
      { stages: contract.stages, stage },
      'conflict',
    );
  }
  return null;
}

/** Whether the agent holds the certification on the date. */
export function agentCertified(state: AgencyFile, agentId: string, certification: string, onDate: BusinessDate): boolean {
  const held = state.agents[agentId]?.[certification];
  return !!held && compareDates(held.grantedOn, onDate) <= 0 && compareDates(onDate, held.expiresOn) <= 0;
}

function existing(state: AgencyState, agencyId: string): AgencyFile | DomainError {
  return state.status === 'none' ? domainError('AGENCY_NOT_FOUND', `no agency ${agencyId}`, { agencyId }, 'not_found') : state;
}

/** The house's four-eyes rule (`fourEyes`, 403 `MAKER_CANNOT_CHECK`) for a contract or an amendment. */
const sameHands = (checker: string, maker: string) => fourEyes(checker, [maker], 'whoever proposed a contract cannot approve it', { proposedBy: maker });

function decideAgency(command: AgencyCommand, state: AgencyState): readonly AgencyEvent[] | DomainError {
  const d = command.data;
  if (command.type === 'ProposeAgency') {
    if (state.status !== 'none') return domainError('AGENCY_EXISTS', `agency ${d.agencyId} is already registered`, { agencyId: d.agencyId }, 'conflict');
    const problem = contractProblem(command.data.contract);
    if (problem) return problem;
    const { agencyId, name, licenceRef, contract, by } = command.data;
    return [{ type: 'AgencyProposed', data: { agencyId, name, licenceRef, contract, proposedBy: by } }];
  }
  const agency = existing(state, d.agencyId);
  if ('code' in agency) return agency;
  switch (command.type) {
    case 'ApproveAgency':
      if (agency.status === 'ACTIVE') return [];
      if (agency.status !== 'PROPOSED')
        return domainError('AGENCY_NOT_PROPOSED', `agency ${d.agencyId} is ${agency.status}`, { status: agency.status }, 'conflict');
      return (
        sameHands(command.data.by, agency.proposedBy) ?? [
          { type: 'AgencyApproved', data: { agencyId: agency.agencyId, contractNo: agency.contract.contractNo, approvedBy: command.data.by } },
        ]
      );
    case 'RejectAgency':
      if (agency.status !== 'PROPOSED')
        return domainError('AGENCY_NOT_PROPOSED', `agency ${d.agencyId} is ${agency.status}`, { status: agency.status }, 'conflict');
      return (
        sameHands(command.data.by, agency.proposedBy) ?? [
          { type: 'AgencyRejected', data: { agencyId: agency.agencyId, rejectedBy: command.data.by, reason: command.data.reason } },
        ]
      );
    case 'ProposeContractAmendment': {
      if (agency.status !== 'ACTIVE' && agency.status !== 'SUSPENDED')
        return domainError('AGENCY_NOT_ACTIVE', `agency ${d.agencyId} is ${agency.status}`, { status: agency.status }, 'conflict');
      if (agency.amendment)
        return domainError(
          'AMENDMENT_PENDING',
          `an amendment of ${d.agencyId}'s contract awaits approval`,
          { proposedBy: agency.amendment.proposedBy },
          'conflict',
        );
      const problem = contractProblem(command.data.contract);
      if (problem) return problem;
      return [{ type: 'ContractAmendmentProposed', data: { agencyId: agency.agencyId, contract: command.data.contract, proposedBy: command.data.by } }];
    }
    case 'ApproveContractAmendment':
      if (!agency.amendment) return domainError('NO_AMENDMENT_PENDING', `no amendment of ${d.agencyId}'s contract awaits approval`, undefined, 'conflict');
      return (
        sameHands(command.data.by, agency.amendment.proposedBy) ?? [
          { type: 'ContractAmendmentApproved', data: { agencyId: agency.agencyId, contract: agency.amendment.contract, approvedBy: command.data.by } },
        ]
      );
    case 'SuspendAgency':
      if (agency.status === 'SUSPENDED') return [];
      if (agency.status !== 'ACTIVE')
        return domainError('AGENCY_NOT_ACTIVE', `agency ${d.agencyId} is ${agency.status}`, { status: agency.status }, 'conflict');
      return [
        {
          type: 'AgencySuspended',
          data: { agencyId: agency.agencyId, suspendedBy: command.data.by, reason: command.data.reason, suspendedOn: command.data.onDate },
        },
      ];
    case 'CertifyAgent': {
      const c = command.data;
      if (compareDates(c.expiresOn, c.grantedOn) <= 0)
        return domainError('CERTIFICATION_INVALID', 'a certification expires after it is granted', { grantedOn: c.grantedOn, expiresOn: c.expiresOn });
      return [
        {
          type: 'AgentCertified',
          data: { agencyId: c.agencyId, agentId: c.agentId, certification: c.certification, grantedOn: c.grantedOn, expiresOn: c.expiresOn, recordedBy: c.by },
        },
      ];
    }
    case 'TakePlacement': {
      const c = command.data;
      if (agency.holding[c.caseId] === c.placementId) return [];
      if (agency.status !== 'ACTIVE')
        return domainError('AGENCY_NOT_ACTIVE', `agency ${c.agencyId} is ${agency.status}`, { status: agency.status }, 'conflict');
      const refusal = contractRefusal(agency.contract, c.stage, c.onDate);
      if (refusal) return refusal;
      const held = Object.keys(agency.holding).length;
      if (held >= agency.contract.capacity) {
        return domainError(
          'AGENCY_AT_CAPACITY',
          `agency ${c.agencyId} holds ${held} cases (capacity ${agency.contract.capacity})`,
          { holding: held, capacity: agency.contract.capacity },
          'conflict',
        );
      }
      return [{ type: 'AgencyPlacementTaken', data: { agencyId: c.agencyId, caseId: c.caseId, placementId: c.placementId, onDate: c.onDate } }];
    }
    case 'ReleasePlacement':
      return agency.holding[command.data.caseId] === command.data.placementId ? [{ type: 'AgencyPlacementReleased', data: { ...command.data } }] : [];
    default: {
      const _exhaustive: never = command;
      return [];
    }
  }
}

export const agencyDecider: Decider<AgencyCommand, AgencyEvent, AgencyState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideAgency,
  evolve: evolveAgency,
};

export const agencyStream = (agencyId: string): string => `agencies.agency-${agencyId}`;
