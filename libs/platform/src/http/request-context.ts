import { createHash } from 'node:crypto';
import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { newId, type Actor } from '#kernel';
import { ProblemException, problem } from './problem.js';

/** What the HTTP layer knows about a request, handed to command handlers. */
export interface RequestMeta {
  readonly actor: Actor;
  readonly correlationId: string;
  /**
   * The caller's `Idempotency-Key` scoped to the caller (`<principal>:<key>`, see
   * `scopedIdempotencyKey`): what commands carry as their idempotency key and what ids derived
   * from the key are made of, so two principals sending the same key are two requests.
   */
  readonly idempotencyKey?: string;
  /** The `Idempotency-Key` header exactly as the caller sent it. */
  readonly clientIdempotencyKey?: string;
  readonly receivedAt: string;
}

export const IDEMPOTENCY_KEY = /^[A-Za-z0-9._:-]{1,128}$/;
const SAFE_PRINCIPAL = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * A client's idempotency key as the commands see it: prefixed with the principal, so the store's
 * per-stream de-duplication (and every id derived from the key) is per caller. A principal id
 * that is not a plain token (it has a colon, a pipe, is long…) is replaced by a hash of it; the
 * first colon always ends the principal part, so two (principal, key) pairs never meet.
 */
export function scopedIdempotencyKey(principalId: string, key: string): string {
  const tag = SAFE_PRINCIPAL.test(principalId) ? principalId : `sha256-${createHash('sha256').update(principalId).digest('hex').slice(0, 16)}`;
  return `${tag}:${key}`;
}

/** The request's Idempotency-Key header, checked; undefined when none was sent. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
    throw new ProblemException(
      problem(400, 'BAD_IDEMPOTENCY_KEY', 'Bad idempotency key', 'Idempotency-Key must be 1-128 characters of letters, digits and . _ : -'),
    );
  }
  return key;
}

export function requestMeta(request: FastifyRequest & { user?: Actor }): RequestMeta {
  const clientKey = idempotencyKeyOf(request);
  const actor = request.user ?? { id: 'anonymous', role: 'system' as const };
  return {
    actor,
    correlationId: String(request.id ?? newId()),
    ...(clientKey ? { idempotencyKey: scopedIdempotencyKey(actor.id, clientKey), clientIdempotencyKey: clientKey } : {}),
    receivedAt: new Date().toISOString(),
  };
}

/** Injects the RequestMeta of the current request into a controller method. */
export const Meta = createParamDecorator((_: unknown, ctx: ExecutionContext): RequestMeta => requestMeta(ctx.switchToHttp().getRequest()));
