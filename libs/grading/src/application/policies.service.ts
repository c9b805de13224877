import { Injectable } from '@nestjs/common';
import { isDomainError, type Actor, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';
import type { AggregateRepository, CommandContext, CommandResult } from '#eventstore';
import { Metrics, accepted, domainProblem, execute, runCommand, type CommandAccepted } from '#platform';
import type { ClassificationRules } from '../domain/classification.js';
import type { LifecycleCommand, LifecycleState, VersionRef } from '../domain/lifecycle.js';
import {
  policyDecider,
  rulesDecider,
  streams,
  type ActiveClassificationRulesChanged,
  type ActivePolicyChanged,
  type PolicyEvent,
  type RulesEvent,
} from '../domain/policies.js';
import type { ActiveRecord, RegistryCommand, RegistryState } from '../domain/registry.js';
import type { RunKind } from '../domain/run.js';
import type { PolicyDocument } from '../domain/scorecard.js';
import { GradingRepositories } from './repositories.js';

export type DocumentKind = 'policy' | 'rules';

interface KindConfig<D, E extends DomainEvent = DomainEvent, R extends DomainEvent = DomainEvent> {
  readonly repo: AggregateRepository<LifecycleCommand<D>, E, LifecycleState<D>>;
  readonly decider: Decider<LifecycleCommand<D>, E, LifecycleState<D>>;
  readonly registry: AggregateRepository<RegistryCommand, R, RegistryState>;
  readonly stream: (id: string) => string;
  readonly registryStream: string;
  /** Command names recorded on events, e.g. `ProposePolicy`. */
  readonly noun: 'Policy' | 'ClassificationRules';
  readonly runKind: RunKind;
}

/** The change a registry event records. */
export interface ActiveChange {
  readonly active: VersionRef | null;
  readonly previous: VersionRef | null;
}

function orThrow<T>(result: T | DomainError): T {
  if (isDomainError(result)) throw domainProblem(result);
  return result;
}

/**
 * Maker-checker lifecycle of grading policies and classification rules, and activation: the
 * registry's pointer moves first (one expected revision, so only one activation wins), then the
 * policy streams record PolicyActivated and the predecessor's PolicyRetired. Those follow-ups are
 * keyed by the versions involved, so the reactor that repeats them after a crash appends nothing twice.
 */
@Injectable()
export class PolicyService {
  private readonly kinds: {
    policy: KindConfig<PolicyDocument, PolicyEvent, ActivePolicyChanged>;
    rules: KindConfig<ClassificationRules, RulesEvent, ActiveClassificationRulesChanged>;
  };

  constructor(
    private readonly repos: GradingRepositories,
    private readonly metrics: Metrics,
  ) {
    this.kinds = {
      policy: {
        repo: repos.policies,
        decider: policyDecider,
        registry: repos.policyRegistry,
        stream: streams.policy,
        registryStream: streams.policyRegistry,
        noun: 'Policy',
        runKind: 'regrade',
      },
      rules: {
        repo: repos.rulesets,
        decider: rulesDecider,
        registry: repos.rulesRegistry,
        stream: streams.ruleset,
        registryStream: streams.rulesRegistry,
        noun: 'ClassificationRules',
        runKind: 'reclassify',
      },
    };
  }

  /** The kind's parts, over any document and event: the lifecycle steps below read neither. */
  private config(kind: DocumentKind): KindConfig<unknown> {
    return this.kinds[kind] as unknown as KindConfig<unknown>;
  }

  propose(kind: DocumentKind, id: string, document: unknown, reason: string, on: BusinessDate, ctx: CommandContext): Promise<CommandAccepted> {
    const c = this.config(kind);
    return execute(
      this.metrics,
      c.repo,
      c.stream(id),
      { type: 'Propose', id, document, reason, actorId: ctx.actor.id, on },
      { ...ctx, command: `Propose${c.noun}` },
    );
  }

  review(kind: DocumentKind, id: string, version: number, decision: 'approve' | 'reject', note: string | null, ctx: CommandContext): Promise<CommandAccepted> {
    const c = this.config(kind);
    const command: LifecycleCommand<unknown> =
      decision === 'approve'
        ? { type: 'Approve', id, version, comment: note, actorId: ctx.actor.id }
        : { type: 'Reject', id, version, reason: note ?? '', actorId: ctx.actor.id };
    return execute(this.metrics, c.repo, c.stream(id), command, { ...ctx, command: `${decision === 'approve' ? 'Approve' : 'Reject'}${c.noun}` });
  }

  /** Makes an approved version the one in force from `effectiveFrom` (not later than `businessDate`). */
  async activate(
    kind: DocumentKind,
    id: string,
    effectiveFrom: BusinessDate,
    businessDate: BusinessDate,
    ctx: CommandContext,
  ): Promise<CommandAccepted & { registryRevision: number }> {
    const c = this.config(kind);
    const loaded = await c.repo.load(c.stream(id));
    // Refuse what the policy stream would refuse (unknown, not approved) before the pointer moves.
    orThrow(c.decider.decide({ type: 'Activate', id, effectiveFrom, supersedes: null, actorId: ctx.actor.id }, loaded.state));
    const version = loaded.state.status === 'none' ? 0 : loaded.state.latest.version;
    const moved = orThrow(
      await runCommand(
        this.metrics,
        c.registry,
        c.registryStream,
        { type: 'SetActive', id, version, effectiveFrom, businessDate },
        { ...ctx, command: `Activate${c.noun}` },
      ),
    );
    const change = moved.events[0]?.data as { active: ActiveRecord | null; previous: ActiveRecord | null } | undefined;
    const previous = change?.previous ? { id: String(change.previous[kind === 'policy' ? 'policyId' : 'rulesetId']), version: change.previous.version } : null;
    const result = await this.completeActivation(kind, { active: { id, version }, previous }, effectiveFrom, ctx.actor, ctx);
    return { ...accepted(result), registryRevision: moved.revision };
  }

  /**
   * The policy streams' side of an activation: PolicyActivated on the new version, PolicyRetired on
   * the one it supersedes. Safe to repeat.
   */
  async completeActivation(
    kind: DocumentKind,
    change: ActiveChange,
    effectiveFrom: BusinessDate,
    actor: Actor,
    ctx: Omit<CommandContext, 'command' | 'actor'>,
  ): Promise<CommandResult> {
    const c = this.config(kind);
    let result: CommandResult | null = null;
    // A version retired since (a replay of an old activation) is left as it is.
    if (change.active && (await c.repo.load(c.stream(change.active.id))).state.status !== 'retired') {
      const { id, version } = change.active;
      result = orThrow(
        await runCommand(
          this.metrics,
          c.repo,
          c.stream(id),
          { type: 'Activate', id, effectiveFrom, supersedes: change.previous, actorId: actor.id },
          { ...ctx, actor, command: `Activate${c.noun}`, idempotencyKey: `activate:${id}@${version}` },
        ),
      );
    }
    // Only a supersession retires the predecessor here; a retirement (pointer cleared) retires its
    // own policy with the caller's reason, and a retry of it completes it.
    if (change.active && change.previous && change.previous.id !== change.active.id) {
      const { id, version } = change.previous;
      const retired = orThrow(
        await runCommand(
          this.metrics,
          c.repo,
          c.stream(id),
          {
            type: 'Retire',
            id,
            reason: `superseded by ${change.active.id}@${change.active.version}`,
            supersededBy: change.active,
            actorId: actor.id,
            on: effectiveFrom,
          },
          { ...ctx, actor, command: `Retire${c.noun}`, idempotencyKey: `supersede:${id}@${version}` },
        ),
      );
      result ??= retired;
    }
    return result ?? { streamId: c.registryStream, events: [], revision: -1, position: null, duplicate: true };
  }

  /** Retires a version; retiring the one in force first clears the registry's pointer. */
  async retire(kind: DocumentKind, id: string, reason: string, on: BusinessDate, ctx: CommandContext): Promise<CommandAccepted> {
    const c = this.config(kind);
    const loaded = await c.repo.load(c.stream(id));
    if (loaded.state.status === 'active') {
      orThrow(
        await runCommand(
          this.metrics,
          c.registry,
          c.registryStream,
          { type: 'ClearActive', id, version: loaded.state.latest.version, on },
          { ...ctx, command: `Retire${c.noun}` },
        ),
      );
    }
    return execute(
      this.metrics,
      c.repo,
      c.stream(id),
      { type: 'Retire', id, reason, supersededBy: null, actorId: ctx.actor.id, on },
      { ...ctx, command: `Retire${c.noun}` },
    );
  }

  runKindOf(kind: DocumentKind): RunKind {
    return this.config(kind).runKind;
  }
}
