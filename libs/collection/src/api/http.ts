import type { FastifyRequest } from 'fastify';
import { isDomainError, newId, type DomainError, type DomainEvent } from '#kernel';
import type { AggregateRepository, CommandResult } from '#eventstore';
import {
  ProblemException,
  accepted,
  commandContext,
  domainProblem,
  execute,
  problem,
  type CommandAccepted,
  type Metrics,
  type Principal,
  type RequestMeta,
} from '#platform';
import type { ContactOutcome } from '../application/contacts.service.js';

export type AuthedRequest = FastifyRequest & { user: Principal };

/** A refusal becomes its problem response; an accepted command its 2xx body. */
export function answer(result: CommandResult | DomainError): CommandAccepted {
  if (isDomainError(result)) throw domainProblem(result);
  return accepted(result);
}

type ContextOptions = Parameters<typeof commandContext>[2];

/**
 * A command on one stream through the pipeline, its context named after the command (as every
 * Collection route names it), answered with the 2xx body or the refusal's problem.
 */
export function perform<C extends { readonly type: string }, E extends DomainEvent, S>(
  metrics: Metrics,
  repository: AggregateRepository<C, E, S>,
  streamId: string,
  command: C,
  meta: RequestMeta,
  options?: ContextOptions,
): Promise<CommandAccepted> {
  return execute(metrics, repository, streamId, command, commandContext(meta, command.type, options));
}

/** 404 for something the caller may not see or that does not exist (the same answer for both). */
export function notFound(code: string, title: string, detail: string): ProblemException {
  return new ProblemException(problem(404, code, title, detail));
}

export function caseNotFound(caseId: string): ProblemException {
  return notFound('CASE_NOT_FOUND', 'Case not found', `No collection case ${caseId} is visible to you.`);
}

export function attemptIdOf(given: string | undefined, meta: RequestMeta): string {
  return given ?? meta.idempotencyKey ?? newId();
}

/**
 * A contact attempt's answer. A rule refusal was recorded (ContactBlocked is in the case stream)
 * and is answered 422 with the rule's stable code, the explanation and where it was recorded.
 */
export function contactAnswer(outcome: ContactOutcome, attemptId: string): CommandAccepted & { attemptId: string } {
  if (isDomainError(outcome)) throw domainProblem(outcome);
  if (outcome.kind === 'blocked') {
    throw new ProblemException(
      problem(422, outcome.code, 'Contact blocked', outcome.reason, {
        details: outcome.details,
        attemptId,
        recorded: { event: 'ContactBlocked', streamId: outcome.result.streamId, revision: outcome.result.revision },
      }),
    );
  }
  return { ...accepted(outcome.result), attemptId };
}
