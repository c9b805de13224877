import { isDomainError, streamCategory, type DomainEvent, type Position } from '#kernel';
import type { AggregateRepository, CommandContext, CommandResult } from '#eventstore';
import { formatPosition } from '#kernel';
import { domainProblem } from './http/problem.js';
import type { RequestMeta } from './http/request-context.js';
import type { Metrics } from './observability/metrics.js';

/** Builds the command context (who, when, why, which key) from an HTTP request's metadata. */
export function commandContext(
  meta: RequestMeta,
  command: string,
  extra: { occurredAt?: string; policyVersions?: Record<string, string>; expectedRevision?: number; extra?: Record<string, unknown> } = {},
): CommandContext {
  return {
    command,
    actor: meta.actor,
    occurredAt: extra.occurredAt ?? meta.receivedAt,
    correlationId: meta.correlationId,
    ...(meta.idempotencyKey ? { idempotencyKey: meta.idempotencyKey } : {}),
    ...(extra.policyVersions ? { policyVersions: extra.policyVersions } : {}),
    ...(extra.expectedRevision !== undefined ? { expectedRevision: extra.expectedRevision } : {}),
    ...(extra.extra ? { extra: extra.extra } : {}),
  };
}

/** The body of a successful command response. */
export interface CommandAccepted {
  readonly streamId: string;
  readonly revision: number;
  readonly position: string | null;
  readonly events: string[];
  readonly duplicate: boolean;
}

export function accepted(result: CommandResult): CommandAccepted {
  return {
    streamId: result.streamId,
    revision: result.revision,
    position: result.position ? formatPosition(result.position as Position) : null,
    events: result.events.map((e) => e.type),
    duplicate: result.duplicate,
  };
}

/**
 * Runs a command through its repository, timing it; a DomainError becomes a problem response and
 * nothing is appended.
 */
export async function execute<C, E extends DomainEvent, S>(
  metrics: Metrics,
  repository: AggregateRepository<C, E, S>,
  streamId: string,
  command: C,
  ctx: CommandContext,
): Promise<CommandAccepted> {
  const stop = metrics.commandDuration.startTimer({ command: ctx.command });
  try {
    const result = await repository.handle(streamId, command, ctx);
    if (isDomainError(result)) {
      stop({ outcome: 'rejected' });
      throw domainProblem(result);
    }
    stop({ outcome: result.duplicate ? 'duplicate' : 'accepted' });
    if (result.events.length) metrics.appendedEvents.inc({ category: streamCategory(streamId) }, result.events.length);
    return accepted(result);
  } catch (err) {
    if (!(err instanceof Error && 'problem' in err)) stop({ outcome: 'failed' });
    throw err;
  }
}
