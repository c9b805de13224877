import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { newId, type Actor } from '#kernel';
import { ProblemException, problem } from './problem.js';

/** What the HTTP layer knows about a request, handed to command handlers. */
export interface RequestMeta {
  readonly actor: Actor;
  readonly correlationId: string;
  readonly idempotencyKey?: string;
  readonly receivedAt: string;
}

const KEY = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestMeta(request: FastifyRequest & { user?: Actor }): RequestMeta {
  const raw = request.headers['idempotency-key'];
  const idempotencyKey = Array.isArray(raw) ? raw[0] : raw;
  if (idempotencyKey !== undefined && !KEY.test(idempotencyKey)) {
    throw new ProblemException(
      problem(400, 'BAD_IDEMPOTENCY_KEY', 'Bad idempotency key', 'Idempotency-Key must be 1-128 characters of letters, digits and . _ : -'),
    );
  }
  return {
    actor: request.user ?? { id: 'anonymous', role: 'system' },
    correlationId: String(request.id ?? newId()),
    ...(idempotencyKey ? { idempotencyKey } : {}),
    receivedAt: new Date().toISOString(),
  };
}

/** Injects the RequestMeta of the current request into a controller method. */
export const Meta = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestMeta => requestMeta(ctx.switchToHttp().getRequest()));
