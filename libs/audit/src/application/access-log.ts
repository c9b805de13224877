import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { PG_POOL, ProblemException, sqlMigration, type Principal } from '#platform';

/**
 * Every audit query is itself recorded: who (user and role) asked which route about what (path
 * parameters and query: case, loan, customer, stream and event ids, never personal data), when,
 * with which outcome. Recorded are every request under `/audit/`, every what-if replay, and every
 * request an auditor makes anywhere. The row is written before the response leaves, so no audit
 * read goes unrecorded; a refused or failed query is recorded with its status.
 */
const ACCESS_LOG_TABLE = 'audit_access_log';

type AuditedRequest = FastifyRequest & { user?: Principal; routeOptions?: { url?: string } };

function isAuditQuery(route: string, role: string | undefined): boolean {
  return route.startsWith('/audit/') || route.endsWith('/what-if') || role === 'auditor';
}

@Injectable()
export class AccessLogInterceptor implements NestInterceptor {
  constructor(@Inject(PG_POOL) private readonly pool: pg.Pool) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<AuditedRequest>();
    const route = request.routeOptions?.url ?? request.url.split('?')[0];
    if (!request.user || !isAuditQuery(route, request.user.role)) return next.handle();
    return from(this.recorded(context, request, route, next));
  }

  private async recorded(context: ExecutionContext, request: AuditedRequest, route: string, next: CallHandler): Promise<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    try {
      const response = await lastValueFrom(next.handle(), { defaultValue: undefined });
      await this.record(request, route, reply.statusCode);
      return response;
    } catch (error) {
      const status = error instanceof ProblemException ? error.problem.status : ((error as { getStatus?: () => number }).getStatus?.() ?? 500);
      await this.record(request, route, status);
      throw error;
    }
  }

  private async record(request: AuditedRequest, route: string, status: number): Promise<void> {
    const user = request.user!;
    await this.pool.query(
      `INSERT INTO ${ACCESS_LOG_TABLE} (actor_id, role, team, method, route, params, query, status, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        user.id,
        user.role,
        user.team ?? null,
        request.method,
        route,
        JSON.stringify(request.params ?? {}),
        JSON.stringify(request.query ?? {}),
        status,
        String(request.id),
      ],
    );
  }
}

export interface AccessLogQuery {
  readonly actorId?: string;
  /** Any path parameter or query value equal to it: a case, loan, customer, stream or event id. */
  readonly subject?: string;
  readonly from?: string;
  readonly to?: string;
  readonly page: number;
  readonly pageSize: number;
}

export async function readAccessLog(pool: pg.Pool, q: AccessLogQuery) {
  const params = [q.actorId ?? null, q.subject ?? null, q.from ?? null, q.to ?? null];
  const filter = `($1::text IS NULL OR actor_id = $1) AND ($2::text IS NULL OR EXISTS (
      SELECT 1 FROM jsonb_each_text(params || query) kv WHERE kv.value = $2))
    AND ($3::timestamptz IS NULL OR at >= $3::timestamptz) AND ($4::timestamptz IS NULL OR at <= $4::timestamptz)`;
  const [{ rows }, { rows: count }] = await Promise.all([
    pool.query(
      `SELECT id::text, at, actor_id, role, team, method, route, params, query, status, correlation_id FROM ${ACCESS_LOG_TABLE}
        WHERE ${filter} ORDER BY ${ACCESS_LOG_TABLE}.id DESC LIMIT $5 OFFSET $6`,
      [...params, q.pageSize, (q.page - 1) * q.pageSize],
    ),
    pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${ACCESS_LOG_TABLE} WHERE ${filter}`, params),
  ]);
  return {
    items: rows.map((r) => ({
      id: r.id,
      at: (r.at as Date).toISOString(),
      actor: { id: r.actor_id, role: r.role, team: r.team },
      method: r.method,
      route: r.route,
      params: r.params,
      query: r.query,
      status: r.status,
      correlationId: r.correlation_id,
    })),
    page: q.page,
    pageSize: q.pageSize,
    total: count[0].n,
  };
}

/** The audit access log: append-only for the application (no UPDATE or DELETE path exists). */
export const AuditAccessLog1764400000000 = sqlMigration(
  'AuditAccessLog1764400000000',
  `
      CREATE TABLE ${ACCESS_LOG_TABLE} (
        id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), actor_id text NOT NULL, role text NOT NULL, team text,
        method text NOT NULL, route text NOT NULL, params jsonb NOT NULL, query jsonb NOT NULL, status integer NOT NULL, correlation_id text);
      CREATE INDEX ${ACCESS_LOG_TABLE}_actor ON ${ACCESS_LOG_TABLE} (actor_id, id);
    `,
  `DROP TABLE ${ACCESS_LOG_TABLE}`,
);
