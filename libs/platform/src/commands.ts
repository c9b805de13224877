import { isDomainError, streamCategory, type DomainError, type DomainEvent, type Position } from '#kernel';
import type { AggregateRepository, CommandContext, CommandResult } from '#eventstore';
import { formatPosition } from '#kernel';
import { domainProblem, ProblemException } from './http/problem.js';
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
 * The command pipeline: every command of every intake (HTTP, Kafka, reactors, batch runs'
 * re-decisions) runs here and nowhere else. The repository loads the stream, decides and appends
 * at the loaded revision (re-deciding on a conflict); the pipeline times it in
 * `arrears_command_duration_seconds` by command name and outcome, counts what it appended in
 * `arrears_events_appended_total` by stream category, and returns a domain refusal as a value
 * (nothing was appended). `execute` is the same for HTTP, with the refusal as a problem.
 * Without metrics (a unit test's wiring) nothing is recorded.
 */
export async function runCommand<C, E extends DomainEvent, S>(
  metrics: Metrics | undefined,
  repository: AggregateRepository<C, E, S>,
  streamId: string,
  command: C,
  ctx: CommandContext,
): Promise<CommandResult<E> | DomainError> {
  return measured(metrics, ctx.command, () => repository.handle(streamId, command, ctx));
}

/**
 * The pipeline's measure around one command's work, for the few commands that are not one stream's
 * load, decide and append (Restructuring files a request through its loan's slot stream, and
 * commits an acceptance on the customer's stream before the request's): timed and counted exactly
 * as `runCommand` times and counts. `work` resolves to what was appended, a domain refusal, or null
 * for a repeat that appended nothing; a problem it throws is a refusal, anything else a failure.
 */
export async function measured<W extends CommandResult | DomainError | null>(
  metrics: Metrics | undefined,
  command: string,
  work: () => Promise<W>,
): Promise<W> {
  const stop = metrics?.commandDuration.startTimer({ command });
  try {
    const result = await work();
    if (result === null || isDomainError(result)) {
      stop?.({ outcome: result === null ? 'duplicate' : 'rejected' });
      return result;
    }
    stop?.({ outcome: result.duplicate ? 'duplicate' : 'accepted' });
    if (result.events.length) metrics?.appendedEvents.inc({ category: streamCategory(result.streamId) }, result.events.length);
    return result;
  } catch (err) {
    stop?.({ outcome: err instanceof ProblemException ? 'rejected' : 'failed' });
    throw err;
  }
}

/** The command pipeline for HTTP: a DomainError becomes a problem response (nothing appended). */
export async function execute<C, E extends DomainEvent, S>(
  metrics: Metrics,
  repository: AggregateRepository<C, E, S>,
  streamId: string,
  command: C,
  ctx: CommandContext,
): Promise<CommandAccepted> {
  const result = await runCommand(metrics, repository, streamId, command, ctx);
  if (isDomainError(result)) throw domainProblem(result);
  return accepted(result);
}
