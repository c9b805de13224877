import { domainError, fourEyes, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';

/**
 * The versioned, maker-checker lifecycle shared by grading policies and classification rules:
 *
 *   draft --approve (another person)--> approved --activate--> active --retire--> retired
 *     |  \--reject (another person)--> rejected
 *     \-- propose again (draft or rejected): a new version, back to draft
 *
 * One stream per policy (`grading.policy-<policyId>`, `grading.ruleset-<rulesetId>`); its versions
 * are the successive drafts, and the approved version is the one that can be activated. Which
 * policy is active overall is kept by the registry (see registry.ts).
 */
type LifecycleStatus = 'draft' | 'rejected' | 'approved' | 'active' | 'retired';

export interface VersionRef {
  readonly id: string;
  readonly version: number;
}

interface LatestVersion<D> {
  readonly version: number;
  readonly document: D;
  readonly reason: string;
  readonly proposedBy: string;
  readonly proposedOn: BusinessDate;
}

export type LifecycleState<D> =
  | { readonly status: 'none' }
  | {
      readonly status: LifecycleStatus;
      readonly id: string;
      readonly latest: LatestVersion<D>;
      readonly approvedBy: string | null;
      readonly effectiveFrom: BusinessDate | null;
    };

export type LifecycleCommand<D> =
  | { readonly type: 'Propose'; readonly id: string; readonly document: D; readonly reason: string; readonly actorId: string; readonly on: BusinessDate }
  | { readonly type: 'Reject'; readonly id: string; readonly version: number; readonly reason: string; readonly actorId: string }
  | { readonly type: 'Approve'; readonly id: string; readonly version: number; readonly comment: string | null; readonly actorId: string }
  | { readonly type: 'Activate'; readonly id: string; readonly effectiveFrom: BusinessDate; readonly supersedes: VersionRef | null; readonly actorId: string }
  | {
      readonly type: 'Retire';
      readonly id: string;
      readonly reason: string;
      readonly supersededBy: VersionRef | null;
      readonly actorId: string;
      readonly on: BusinessDate;
    };

type IdField = 'policyId' | 'rulesetId';
type LifecycleStep = 'proposed' | 'rejected' | 'approved' | 'activated' | 'retired';
/** A kind's event type per lifecycle step. */
type LifecycleEventNames = { readonly [S in LifecycleStep]: string };

/** A kind's lifecycle events, per step: the same data for every kind, the id under the kind's field (`K`). */
export type LifecycleEvents<K extends IdField, D, N extends LifecycleEventNames> = {
  readonly [S in LifecycleStep]: DomainEvent<N[S], { readonly [F in K]: string } & { readonly version: number } & LifecycleStepData<K, D>[S]>;
};
type LifecycleStepData<K extends IdField, D> = {
  readonly proposed: { readonly document: D; readonly reason: string; readonly proposedBy: string; readonly proposedOn: BusinessDate };
  readonly rejected: { readonly rejectedBy: string; readonly reason: string };
  readonly approved: { readonly approvedBy: string; readonly comment: string | null };
  readonly activated: { readonly effectiveFrom: BusinessDate; readonly supersedes: KindRef<K> | null; readonly activatedBy: string };
  readonly retired: {
    readonly previousStatus: string;
    readonly reason: string;
    readonly supersededBy: KindRef<K> | null;
    readonly retiredBy: string;
    readonly retiredOn: BusinessDate;
  };
};
/** Another version of the kind, as its events name it. */
type KindRef<K extends IdField> = { readonly [F in K]: string } & { readonly version: number };

export interface LifecycleSpec<D> {
  /** The id's name in event data: `policyId` or `rulesetId`. */
  readonly idField: IdField;
  readonly events: LifecycleEventNames;
  /** Error code prefix: `POLICY` or `RULES`. */
  readonly code: string;
  readonly noun: string;
  readonly validate: (document: D) => string | null;
}

/** The fields of a kind's lifecycle events that `evolve` reads; the id sits under the kind's field. */
type LifecycleEventOf<D> = DomainEvent<
  string,
  {
    readonly policyId?: string;
    readonly rulesetId?: string;
    readonly version: number;
    readonly document: D;
    readonly reason: string;
    readonly proposedBy: string;
    readonly proposedOn: BusinessDate;
    readonly approvedBy: string;
    readonly effectiveFrom: BusinessDate;
  }
>;

/** Builds the lifecycle decider for one kind of versioned document. */
export function lifecycleDecider<D, E extends DomainEvent>(spec: LifecycleSpec<D>): Decider<LifecycleCommand<D>, E, LifecycleState<D>> {
  const { idField, events: names, code, noun } = spec;
  const ref = (r: VersionRef | null) => (r ? { [idField]: r.id, version: r.version } : null);
  const event = (type: string, data: Record<string, unknown>) => ({ type, data }) as unknown as E;

  function evolve(state: LifecycleState<D>, e: E): LifecycleState<D> {
    const { type, data } = e as unknown as LifecycleEventOf<D>;
    switch (type) {
      case names.proposed:
        return {
          status: 'draft',
          id: String(data[idField]),
          latest: { version: data.version, document: data.document, reason: data.reason, proposedBy: data.proposedBy, proposedOn: data.proposedOn },
          approvedBy: null,
          effectiveFrom: null,
        };
      case names.rejected:
        return state.status === 'none' ? state : { ...state, status: 'rejected' };
      case names.approved:
        return state.status === 'none' ? state : { ...state, status: 'approved', approvedBy: data.approvedBy };
      case names.activated:
        return state.status === 'none' ? state : { ...state, status: 'active', effectiveFrom: data.effectiveFrom };
      case names.retired:
        return state.status === 'none' ? state : { ...state, status: 'retired' };
      default:
        return state;
    }
  }

  function decide(command: LifecycleCommand<D>, state: LifecycleState<D>): readonly E[] | DomainError {
    if (command.type === 'Propose') {
      if (state.status !== 'none' && state.status !== 'draft' && state.status !== 'rejected') {
        return domainError(
          `${code}_NOT_EDITABLE`,
          `${noun} ${command.id} is ${state.status}; propose a new ${noun} instead`,
          { status: state.status },
          'conflict',
        );
      }
      const problem = spec.validate(command.document);
      if (problem) return domainError(`${code}_INVALID`, problem, { problem });
      const version = state.status === 'none' ? 1 : state.latest.version + 1;
      return [
        event(names.proposed, {
          [idField]: command.id,
          version,
          document: command.document,
          reason: command.reason,
          proposedBy: command.actorId,
          proposedOn: command.on,
        }),
      ];
    }
    if (state.status === 'none') return domainError(`${code}_NOT_FOUND`, `no ${noun} ${command.id}`, undefined, 'not_found');
    switch (command.type) {
      case 'Reject':
      case 'Approve': {
        if (state.status !== 'draft') {
          return domainError(
            `${code}_NOT_DRAFT`,
            `${noun} ${command.id} is ${state.status}, not a draft awaiting review`,
            { status: state.status },
            'conflict',
          );
        }
        if (command.version !== state.latest.version) {
          return domainError(
            `${code}_VERSION_MISMATCH`,
            `${noun} ${command.id} is at version ${state.latest.version}; version ${command.version} was reviewed`,
            {
              latestVersion: state.latest.version,
            },
            'conflict',
          );
        }
        const sameHands = fourEyes(
          command.actorId,
          [state.latest.proposedBy],
          `${command.actorId} proposed version ${state.latest.version} and cannot also review it`,
          {
            proposedBy: state.latest.proposedBy,
          },
        );
        if (sameHands) return sameHands;
        return command.type === 'Approve'
          ? [event(names.approved, { [idField]: command.id, version: command.version, approvedBy: command.actorId, comment: command.comment })]
          : [event(names.rejected, { [idField]: command.id, version: command.version, rejectedBy: command.actorId, reason: command.reason })];
      }
      case 'Activate':
        if (state.status === 'active' && state.effectiveFrom === command.effectiveFrom) return [];
        if (state.status !== 'approved') {
          return domainError(`${code}_NOT_APPROVED`, `${noun} ${command.id} is ${state.status}; only an approved ${noun} can be activated`, {
            status: state.status,
          });
        }
        return [
          event(names.activated, {
            [idField]: command.id,
            version: state.latest.version,
            effectiveFrom: command.effectiveFrom,
            supersedes: ref(command.supersedes),
            activatedBy: command.actorId,
          }),
        ];
      case 'Retire':
        if (state.status === 'retired') return [];
        return [
          event(names.retired, {
            [idField]: command.id,
            version: state.latest.version,
            previousStatus: state.status,
            reason: command.reason,
            supersededBy: ref(command.supersededBy),
            retiredBy: command.actorId,
            retiredOn: command.on,
          }),
        ];
    }
  }

  return { initialState: () => ({ status: 'none' }), evolve, decide };
}
