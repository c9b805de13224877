import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { isDomainError, type DomainError } from '#kernel';
import type { CommandResult } from '#eventstore';
import { accepted, domainProblem, type CommandAccepted, type Principal, type RequestMeta } from '#platform';

/** The customer principal the request came with (the guard let only a customer through). */
export const Customer = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal => ctx.switchToHttp().getRequest<FastifyRequest & { user: Principal }>().user,
);

/** The channel the customer came through (the token's), the app when it names none. */
export const channelOf = (meta: RequestMeta): NonNullable<Principal['channel']> => (meta.actor as Principal).channel ?? 'APP';

/** A command's outcome as the answer: a refusal becomes its problem. */
export function acceptedOrProblem(result: CommandResult | DomainError): CommandAccepted {
  if (isDomainError(result)) throw domainProblem(result);
  return accepted(result);
}
