import { isDomainError, type DomainError, type RecordedEvent } from '#kernel';
import type { AllFilter, CommandContext, CommandResult } from '#eventstore';
import { forEachPartitioned } from './partitioned.js';
import type { Projection } from './projection.js';

/**
 * What a reaction decided, as the runner records it once per (reactor, trigger):
 * - `appended`: at least one command appended events (or found them appended by an earlier run
 *   of the same trigger, cut short by a crash before its record committed);
 * - `refused`: no command appended and at least one was refused by a rule (the first code is kept);
 * - `nothing`: the handler ran no command, or its commands had nothing to do;
 * - `skipped`: an operator skipped the trigger as poison.
 */
export type ReactionOutcome = 'appended' | 'refused' | 'nothing' | 'skipped';

export interface ReactionEffect {
  readonly streamId: string;
  readonly revision: number;
  readonly events: number;
  readonly duplicate: boolean;
}

/** The most effects one ledger row lists (an end of day touches thousands of cases; each effect's
 * events name the trigger as their causation anyway). */
const MAX_LISTED_EFFECTS = 50;

/**
 * The scope of one reaction: the runner hands it out only for a trigger that was never decided
 * before, so a handler that runs its commands in this scope cannot decide a trigger twice. Every
 * command run with a context from `context()` reports its outcome back (through the repository),
 * and the runner records the result in the same transaction as the checkpoint.
 */
export class Reaction {
  private appended = 0;
  private refused = 0;
  private firstCode: string | null = null;
  private readonly effects: ReactionEffect[] = [];

  constructor(
    readonly reactor: string,
    readonly trigger: RecordedEvent,
  ) {}

  /** The idempotency key of the reaction: the same trigger always yields the same key. */
  get key(): string {
    return reactionKey(this.reactor, this.trigger);
  }

  /**
   * The context of a command run in reaction: acted by `reactor:<name>` (system) unless the
   * override names another actor, at the trigger's business time and in its correlation, caused by
   * it and keyed by it, and reporting its outcome to this reaction.
   */
  context(command: string, overrides: Partial<Omit<CommandContext, 'onOutcome'>> = {}): CommandContext {
    return {
      command,
      actor: { id: `reactor:${this.reactor}`, role: 'system' },
      occurredAt: this.trigger.metadata.occurredAt,
      correlationId: this.trigger.metadata.correlationId,
      causationId: this.trigger.eventId,
      idempotencyKey: this.key,
      ...overrides,
      onOutcome: this.note,
    };
  }

  /** Notes one command's outcome (contexts from `context()` do this by themselves). */
  readonly note = (outcome: CommandResult | DomainError): void => {
    if (isDomainError(outcome)) {
      this.refused++;
      this.firstCode ??= outcome.code;
      return;
    }
    if (outcome.events.length === 0 && !outcome.duplicate) return;
    this.appended++;
    if (this.effects.length < MAX_LISTED_EFFECTS) {
      this.effects.push({ streamId: outcome.streamId, revision: outcome.revision, events: outcome.events.length, duplicate: outcome.duplicate });
    }
  };

  /** What the reaction decided, for the ledger. */
  result(): { outcome: ReactionOutcome; appended: number; refused: number; code: string | null; effects: readonly ReactionEffect[] } {
    const outcome: ReactionOutcome = this.appended > 0 ? 'appended' : this.refused > 0 ? 'refused' : 'nothing';
    return { outcome, appended: this.appended, refused: this.refused, code: this.firstCode, effects: this.effects };
  }
}

export interface ReactorSpec {
  readonly name: string;
  readonly version?: number;
  /** The (published) events the reactor listens to, usually another context's. */
  readonly filter: AllFilter;
  /**
   * Reacts to one event, typically by running commands with contexts from `reaction.context()`.
   * The runner calls it once per trigger that was never decided: replays (a reset checkpoint, a
   * restart, a verify) skip triggers already recorded. A crash after a command but before the
   * record commits runs it again, and the context's idempotency key (derived from the trigger)
   * makes the repeat append nothing.
   */
  handle(event: RecordedEvent, reaction: Reaction): Promise<void>;
  /**
   * Which triggers must be decided one after another: those with the same key keep their order,
   * those with different keys are decided concurrently (up to `concurrency`); null makes a trigger
   * a barrier. Default: the trigger's stream, so one aggregate's events react in order. Give the
   * target aggregate when triggers from different streams act on the same one.
   */
  readonly partitionBy?: (event: RecordedEvent) => string | null;
  /** How many triggers of a batch are decided at once (default 8; 1: strictly in order). */
  readonly concurrency?: number;
}

/** The idempotency key of a reaction: the same event always yields the same key. */
export function reactionKey(reactor: string, event: RecordedEvent): string {
  return `${reactor}:${event.eventId}`;
}

/**
 * A reactor is a projection without tables whose handler runs commands: the runner gives it
 * checkpoints, batches, poison handling, lag metrics, and the reaction ledger that decides each
 * trigger once. This is how a context reacts to another context's published events in-process.
 */
export function reactor(spec: ReactorSpec): Projection {
  return {
    name: spec.name,
    version: spec.version ?? 1,
    filter: spec.filter,
    tables: {},
    reacts: true,
    async apply(ctx, events) {
      const keyOf = spec.partitionBy ?? ((e: RecordedEvent) => e.streamId);
      await forEachPartitioned(events, keyOf, spec.concurrency ?? 8, async (event) => {
        const reaction = ctx.reaction(event);
        if (reaction) await spec.handle(event, reaction);
      });
    },
  };
}
