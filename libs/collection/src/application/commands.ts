import type { CommandContext } from '#eventstore';

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
