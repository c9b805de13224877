import { ArgumentsHost, Catch, HttpException, HttpStatus, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RevisionConflictError, type DomainError } from '#kernel';

/** RFC 9457 problem details, always with a stable `code`. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/** Thrown by the HTTP layer to answer with a problem. */
export class ProblemException extends Error {
  constructor(readonly problem: Problem) {
    super(problem.detail ?? problem.title);
  }
}

const TYPE_BASE = 'https://arrears.dev/problems/';

export function problem(status: number, code: string, title: string, detail?: string, extra: Record<string, unknown> = {}): Problem {
  return { type: `${TYPE_BASE}${code.toLowerCase().replaceAll('_', '-')}`, title, status, code, ...(detail ? { detail } : {}), ...extra };
}

/**
 * A write (or a purposeful read) outside the caller's case scope, the scope their reads check: 403
 * `CASE_OUT_OF_SCOPE`, answered before anything is decided, so nothing is appended. One builder for
 * every context; `subject` names what was out of scope ("Loan L-1", "Customer C-1", a case id).
 */
export function caseOutOfScope(
  subject: string,
  principal: { readonly role: string; readonly id: string; readonly team?: string },
  extra: Record<string, unknown> = {},
): ProblemException {
  const whose = principal.role === 'collector' ? `collector ${principal.id}` : `team ${principal.team ?? '(none)'}`;
  return new ProblemException(problem(403, 'CASE_OUT_OF_SCOPE', 'Out of case scope', `${subject} is not in a collection case of ${whose}.`, extra));
}

const CATEGORY_STATUS: Record<DomainError['category'], number> = {
  rule: HttpStatus.UNPROCESSABLE_ENTITY,
  not_found: HttpStatus.NOT_FOUND,
  conflict: HttpStatus.CONFLICT,
  forbidden: HttpStatus.FORBIDDEN,
};

export function domainProblem(error: DomainError): ProblemException {
  return new ProblemException(
    problem(CATEGORY_STATUS[error.category], error.code, titleOf(error.code), error.message, error.details ? { details: error.details } : {}),
  );
}

function titleOf(code: string): string {
  const words = code.toLowerCase().split('_').join(' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const HTTP_CODES: Record<number, string> = {
  400: 'MALFORMED_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  429: 'TOO_MANY_REQUESTS',
  503: 'UNAVAILABLE',
};

/** Fastify's own refusals of a request's content, by their error code. */
const FASTIFY_CODES = new Map([
  ['FST_ERR_CTP_INVALID_MEDIA_TYPE', 'UNSUPPORTED_MEDIA_TYPE'],
  ['FST_ERR_CTP_BODY_TOO_LARGE', 'PAYLOAD_TOO_LARGE'],
]);

export function toProblem(exception: unknown): Problem {
  if (exception instanceof ProblemException) return exception.problem;
  if (exception instanceof RevisionConflictError) {
    return problem(409, 'REVISION_CONFLICT', 'Revision conflict', exception.message, {
      streamId: exception.streamId,
      currentRevision: exception.currentRevision,
    });
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    if (typeof body === 'object' && body !== null && 'info' in body && 'error' in body && 'details' in body) {
      // A failed health check (terminus): keep every check's detail.
      const failing = Object.keys((body as { error: object }).error ?? {});
      return problem(status, 'NOT_READY', 'Not ready', `Failing checks: ${failing.join(', ')}`, {
        failing,
        checks: (body as { details: unknown }).details,
      });
    }
    const message = typeof body === 'string' ? body : (body as { message?: unknown }).message;
    const code = status === 404 ? 'NOT_FOUND' : (HTTP_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'HTTP_ERROR'));
    return problem(status, code, titleOf(code), Array.isArray(message) ? message.join('; ') : String(message ?? exception.message));
  }
  const fastifyError = exception as { statusCode?: number; code?: string; message?: string };
  if (typeof fastifyError?.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    const status = fastifyError.statusCode;
    const code = FASTIFY_CODES.get(fastifyError.code ?? '') ?? HTTP_CODES[status] ?? 'HTTP_ERROR';
    return problem(status, code, titleOf(code), fastifyError.message);
  }
  return problem(500, 'INTERNAL', 'Internal error', 'The request could not be completed; it has been logged.');
}

/** Renders every error as application/problem+json. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(private readonly onServerError: (error: unknown, request: FastifyRequest) => void = () => undefined) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const reply = ctx.getResponse<FastifyReply>();
    const request = ctx.getRequest<FastifyRequest>();
    const body = toProblem(exception);
    if (body.status >= 500) this.onServerError(exception, request);
    body.instance = request?.url;
    const correlationId = request?.id;
    if (correlationId) body.correlationId = String(correlationId);
    void reply.status(body.status).header('content-type', 'application/problem+json').send(body);
  }
}
