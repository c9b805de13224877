import { isDomainError, streamCategory, type DomainError, type DomainEvent } from '#kernel';
import type { AggregateRepository, CommandContext, CommandResult } from '#eventstore';
import type { Metrics } from '#platform';

/**
 * Runs one command through its repository with the platform's command metrics, returning a domain
 * refusal as a value (the HTTP layer turns it into a problem; reactors decide what it means).
 */
export async function runCommand<C, E extends DomainEvent, S>(
  metrics: Metrics,
  repository: AggregateRepository<C, E, S>,
  streamId: string,
  command: C,
  ctx: CommandContext,
): Promise<CommandResult<E> | DomainError> {
  const stop = metrics.commandDuration.startTimer({ command: ctx.command });
  try {
    const result = await repository.handle(streamId, command, ctx);
    if (isDomainError(result)) {
      stop({ outcome: 'rejected' });
      return result;
    }
    stop({ outcome: result.duplicate ? 'duplicate' : 'accepted' });
    if (result.events.length) metrics.appendedEvents.inc({ category: streamCategory(streamId) }, result.events.length);
    return result;
  } catch (err) {
    stop({ outcome: 'failed' });
    throw err;
  }
}

/**
 * The context of a follow-up command caused by another (same actor, time and correlation): its own
 * command name, and an idempotency key derived from the original's so a retry repeats nothing.
 */
export function followUp(ctx: CommandContext, command: string, suffix: string, extra: Partial<CommandContext> = {}): CommandContext {
  return {
    ...ctx,
    command,
    ...(ctx.idempotencyKey ? { idempotencyKey: `${ctx.idempotencyKey}:${suffix}` } : {}),
    expectedRevision: undefined,
    ...extra,
  };
}
