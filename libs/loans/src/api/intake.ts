import { isDomainError, type DomainError } from '#kernel';
import { domainProblem, execute, type CommandAccepted, type Metrics, type RequestMeta } from '#platform';
import type { Intake, LoanCall, LoanRepository } from '../application/loan-commands.js';

/** An HTTP request as an intake: the Idempotency-Key is the command's idempotency key. */
export function httpIntake(meta: RequestMeta): Intake {
  return {
    actor: meta.actor,
    receivedAt: meta.receivedAt,
    correlationId: meta.correlationId,
    ...(meta.idempotencyKey ? { idempotencyKey: meta.idempotencyKey } : {}),
    source: 'http',
  };
}

/** Runs a loan call through the platform's `execute`: a DomainError becomes problem+json, nothing appended. */
export async function runOverHttp(metrics: Metrics, repository: LoanRepository, call: LoanCall | DomainError): Promise<CommandAccepted> {
  if (isDomainError(call)) throw domainProblem(call);
  return execute(metrics, repository, call.streamId, call.command, call.ctx);
}
