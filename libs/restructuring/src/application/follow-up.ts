import { isDomainError, type DomainEvent } from '#kernel';
import type { AggregateRepository, CommandContext } from '#eventstore';
import { runCommand, type Metrics } from '#platform';

/**
 * A follow-up step that must never throw (its caller's command has already been recorded): a
 * failure is logged, and the next command that meets what was left undone repairs it.
 */
export async function quietly(step: () => Promise<void>, log: (err: unknown) => void): Promise<void> {
  try {
    await step();
  } catch (err) {
    log(err);
  }
}

/**
 * Runs a follow-up command named `name` in the caller's context (without the caller's outcome
 * hook); a refusal throws `<what> refused: <code>`.
 */
export async function runFollowUp<C, E extends DomainEvent, S>(
  metrics: Metrics | undefined,
  repository: AggregateRepository<C, E, S>,
  streamId: string,
  command: C,
  ctx: CommandContext,
  name: string,
  what: string,
): Promise<void> {
  const { onOutcome: _ignored, ...rest } = ctx;
  const result = await runCommand(metrics, repository, streamId, command, { ...rest, command: name });
  if (isDomainError(result)) throw new Error(`${what} refused: ${result.code}`);
}
