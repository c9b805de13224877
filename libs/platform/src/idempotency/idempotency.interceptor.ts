import { createHash } from 'node:crypto';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { APP_CONFIG, PG_POOL } from '../core.module.js';
import type { AppConfig } from '../config/config.js';
import { ProblemException, problem } from '../http/problem.js';

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

/**
 * POSTs with an `Idempotency-Key`: the first successful response is stored per caller and key;
 * a repeat with the same method, path and body gets it back (and appends nothing); a repeat with a
 * different request is refused with 422 IDEMPOTENCY_KEY_REUSED. Keys expire after
 * IDEMPOTENCY_WINDOW_HOURS. Beneath this, command handlers derive event ids from the key, so
 * even a repeat that arrives while the first is still running, or after a crash between the append
 * and the stored response, appends nothing twice.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: { id: string } }>();
    const key = request.headers['idempotency-key'];
    if (request.method !== 'POST' || typeof key !== 'string' || !key) return next.handle();
    return from(this.handle(context, request, key, next));
  }

  private async handle(context: ExecutionContext, request: FastifyRequest & { user?: { id: string } }, key: string, next: CallHandler): Promise<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const principal = request.user?.id ?? 'anonymous';
    const path = request.url.split('?')[0];
    const bodyHash = createHash('sha256').update(canonical(request.body)).digest('hex');
    const { rows } = await this.pool.query<{ method: string; path: string; body_hash: string; status: number; response: unknown }>(
      `SELECT method, path, body_hash, status, response FROM http_idempotency
        WHERE principal = $1 AND key = $2 AND created_at > now() - make_interval(hours => $3)`,
      [principal, key, this.config.IDEMPOTENCY_WINDOW_HOURS],
    );
    if (rows.length) {
      const first = rows[0];
      if (first.method !== request.method || first.path !== path || first.body_hash !== bodyHash) {
        throw new ProblemException(
          problem(422, 'IDEMPOTENCY_KEY_REUSED', 'Idempotency key reused', `Key ${key} was first used for a different request (${first.method} ${first.path}).`),
        );
      }
      void reply.status(first.status).header('idempotent-replay', 'true');
      return first.response;
    }
    const response = await lastValueFrom(next.handle(), { defaultValue: undefined });
    const status = reply.statusCode;
    if (status >= 200 && status < 300) {
      await this.pool.query(
        `INSERT INTO http_idempotency (principal, key, method, path, body_hash, status, response)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (principal, key) DO UPDATE SET method = EXCLUDED.method, path = EXCLUDED.path, body_hash = EXCLUDED.body_hash,
           status = EXCLUDED.status, response = EXCLUDED.response, created_at = now()
         WHERE http_idempotency.created_at <= now() - make_interval(hours => $8)`,
        [principal, key, request.method, path, bodyHash, status, JSON.stringify(response ?? null), this.config.IDEMPOTENCY_WINDOW_HOURS],
      );
    }
    return response;
  }
}

