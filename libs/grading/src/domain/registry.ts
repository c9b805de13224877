import { compareDates, domainError, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';

/**
 * The "active" pointer: which policy (or classification rules version) is in force. One stream per
 * kind (`grading.policies-registry`, `grading.rulesets-registry`), so activating one policy and
 * superseding the previous is decided at one expected revision: two concurrent activations cannot
 * both win, and the registry's history is the audit trail of what was in force from when.
 */
interface ActiveRef {
  readonly id: string;
  readonly version: number;
  readonly effectiveFrom: BusinessDate;
}

export interface RegistryState {
  readonly active: ActiveRef | null;
  /** The latest effective date ever activated (activations never go back before it). */
  readonly lastEffectiveFrom: BusinessDate | null;
}

export type RegistryCommand =
  | { readonly type: 'SetActive'; readonly id: string; readonly version: number; readonly effectiveFrom: BusinessDate; readonly businessDate: BusinessDate }
  /** `on`: the business date the pointer is cleared (the retirement's date). */
  | { readonly type: 'ClearActive'; readonly id: string; readonly version: number; readonly on: BusinessDate };

export interface RegistrySpec {
  readonly idField: 'policyId' | 'rulesetId';
  /** The event type, e.g. `ActivePolicyChanged`. */
  readonly changed: string;
  readonly noun: string;
}

/** The active pointer as a registry event records it: the version and its id under the kind's field. */
export interface ActiveRecord {
  readonly version: number;
  readonly effectiveFrom: BusinessDate;
  readonly policyId?: string;
  readonly rulesetId?: string;
}

/** A registry's event: the active version (and the one before it) of kind `K`, its id under `K`; `clearedOn`: the business date a retirement cleared the pointer. */
export type RegistryChanged<T extends string, K extends RegistrySpec['idField']> = DomainEvent<
  T,
  { readonly active: KindActiveRef<K> | null; readonly previous: KindActiveRef<K> | null; readonly clearedOn?: BusinessDate }
>;
type KindActiveRef<K extends string> = { readonly [F in K]: string } & { readonly version: number; readonly effectiveFrom: BusinessDate };

export function registryDecider<E extends DomainEvent>(spec: RegistrySpec): Decider<RegistryCommand, E, RegistryState> {
  const ref = (r: ActiveRef | null) => (r ? { [spec.idField]: r.id, version: r.version, effectiveFrom: r.effectiveFrom } : null);
  const unref = (r: ActiveRecord | null): ActiveRef | null => (r ? { id: String(r[spec.idField]), version: r.version, effectiveFrom: r.effectiveFrom } : null);
  return {
    initialState: () => ({ active: null, lastEffectiveFrom: null }),
    evolve(state, event) {
      if (event.type !== spec.changed) return state;
      const active = unref((event.data as { active: ActiveRecord | null }).active);
      return { active, lastEffectiveFrom: active?.effectiveFrom ?? state.lastEffectiveFrom };
    },
    decide(command, state): readonly E[] | DomainError {
      switch (command.type) {
        case 'SetActive': {
          const { active } = state;
          if (active && active.id === command.id && active.version === command.version) return [];
          if (compareDates(command.effectiveFrom, command.businessDate) > 0) {
            return domainError(
              'EFFECTIVE_DATE_IN_FUTURE',
              `a ${spec.noun} takes effect when it is activated: ${command.effectiveFrom} is after ${command.businessDate}`,
              {
                effectiveFrom: command.effectiveFrom,
                businessDate: command.businessDate,
              },
            );
          }
          if (state.lastEffectiveFrom && compareDates(command.effectiveFrom, state.lastEffectiveFrom) < 0) {
            return domainError(
              'EFFECTIVE_DATE_BEFORE_CURRENT',
              `the ${spec.noun} in force took effect on ${state.lastEffectiveFrom}; a new one cannot take effect earlier`,
              {
                currentEffectiveFrom: state.lastEffectiveFrom,
              },
            );
          }
          if (compareDates(command.effectiveFrom, command.businessDate) < 0) {
            return domainError(
              'EFFECTIVE_DATE_IN_PAST',
              `a ${spec.noun} cannot take effect before the open business date: ${command.effectiveFrom} is before ${command.businessDate}`,
              {
                effectiveFrom: command.effectiveFrom,
                businessDate: command.businessDate,
              },
            );
          }
          const next: ActiveRef = { id: command.id, version: command.version, effectiveFrom: command.effectiveFrom };
          return [{ type: spec.changed, data: { active: ref(next), previous: ref(active) } } as unknown as E];
        }
        case 'ClearActive':
          if (!state.active || state.active.id !== command.id || state.active.version !== command.version) return [];
          return [{ type: spec.changed, data: { active: null, previous: ref(state.active), clearedOn: command.on } } as unknown as E];
      }
    },
  };
}
