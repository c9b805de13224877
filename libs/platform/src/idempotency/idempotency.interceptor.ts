import { createHash, randomUUID } from 'node:crypto';
import { Inject, Injectable, type CallHandler, type ExecutionContext, type NestInterceptor, type OnApplicationShutdown } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import pg from 'pg';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { APP_CONFIG, PG_POOL } from '../core.module.js';
import type { AppConfig } from '../config/config.js';
import { ProblemException, problem } from '../http/problem.js';
import { idempotencyKeyOf } from '../http/request-context.js';

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

interface Slot {
  readonly principal: string;
  readonly method: string;
  readonly path: string;
  readonly key: string;
  readonly bodyHash: string;
}

interface Row {
  body_hash: string;
  state: 'in_flight' | 'done';
  status: number | null;
  response: unknown;
}

/** The stored first answer, marked as a replay in its body (and the `idempotent-replay` header). */
function replayed(response: unknown): unknown {
  return response && typeof response === 'object' && !Array.isArray(response) ? { ...response, duplicate: true } : response;
}

/**
 * POSTs with an `Idempotency-Key`. A key belongs to the caller (the token's subject) on one method
 * and path, and is taken before the command runs: one INSERT … ON CONFLICT either takes it (a row
 * in flight, with an owner and a lease) or finds who has it. So of any number of concurrent
 * requests with one key exactly one runs the command; a repeat with the same body waits for that
 * first answer (IDEMPOTENCY_WAIT_MS) and gets it back with `duplicate: true`, or gets 409
 * IDEMPOTENCY_KEY_IN_FLIGHT; a different body is refused with 422 IDEMPOTENCY_KEY_REUSED whether
 * the first is still running or done. A first that fails (any answer but 2xx) gives the key back.
 * A first whose process died holds the key for IDEMPOTENCY_LEASE_MS; then a repeat runs again, and
 * the store's per-stream de-duplication on the command's idempotency key (`<principal>:<key>`,
 * see `scopedIdempotencyKey`) makes that rerun append nothing twice. Keys expire after
 * IDEMPOTENCY_WINDOW_HOURS.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor, OnApplicationShutdown {
  /** Requests of this process holding a key, so a local repeat awaits them instead of polling. */
  private readonly local = new Map<string, Promise<void>>();

  /**
   * The key rows are written with asynchronous commit, on connections of their own: they are a
   * record of answers, not of facts. A crash can lose the last moments of them; a repeat then
   * takes the key again (or waits out the lease of an in-flight row) and runs the command again,
   * and the event store recognises the command's idempotency key and appends nothing. The
   * command's events themselves are committed synchronously before the answer leaves.
   */
  private readonly pool: pg.Pool;

  constructor(
    @Inject(PG_POOL) shared: pg.Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.pool = new pg.Pool({ ...shared.options, max: Math.max(4, Math.ceil((shared.options.max ?? 20) / 2)), options: '-c synchronous_commit=off' });
    this.pool.on('error', () => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const request = context.switchToHttp().getRequest<FastifyRequest & { user?: { id: string } }>();
    if (request.method !== 'POST') return next.handle();
    const key = idempotencyKeyOf(request);
    if (!key) return next.handle();
    const slot: Slot = {
      principal: request.user?.id ?? 'anonymous',
      method: request.method,
      path: request.url.split('?')[0],
      key,
      bodyHash: createHash('sha256').update(canonical(request.body)).digest('hex'),
    };
    return from(this.handle(context, slot, next));
  }

  private async handle(context: ExecutionContext, slot: Slot, next: CallHandler): Promise<unknown> {
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const deadline = Date.now() + this.config.IDEMPOTENCY_WAIT_MS;
    for (let round = 0; ; round++) {
      const owner = await this.take(slot);
      if (owner) return this.runAsFirst(slot, owner, reply, next);
      const row = await this.read(slot);
      if (!row) continue; // the first gave the key back just now: try to take it
      if (row.body_hash !== slot.bodyHash) {
        throw new ProblemException(
          problem(
            422,
            'IDEMPOTENCY_KEY_REUSED',
            'Idempotency key reused',
            `Key ${slot.key} was first used with a different body on ${slot.method} ${slot.path}.`,
          ),
        );
      }
      if (row.state === 'done') {
        void reply.status(row.status ?? 200).header('idempotent-replay', 'true');
        return replayed(row.response);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new ProblemException(
          problem(
            409,
            'IDEMPOTENCY_KEY_IN_FLIGHT',
            'Idempotency key in flight',
            `A request with key ${slot.key} is still running; repeat it later to get its answer.`,
          ),
        );
      }
      await this.waitForFirst(slot, Math.min(left, 10 * 2 ** Math.min(round, 4)), left);
    }
  }

  private async runAsFirst(slot: Slot, owner: string, reply: FastifyReply, next: CallHandler): Promise<unknown> {
    let done!: () => void;
    const localKey = this.localKey(slot);
    this.local.set(localKey, new Promise<void>((resolve) => (done = resolve)));
    let completed = false;
    try {
      const response = await lastValueFrom(next.handle(), { defaultValue: undefined });
      const status = reply.statusCode;
      if (status >= 200 && status < 300) {
        await this.pool.query(
          `UPDATE http_idempotency SET state = 'done', status = $6, response = $7, lease_until = NULL
            WHERE principal = $1 AND method = $2 AND path = $3 AND key = $4 AND owner = $5`,
          [slot.principal, slot.method, slot.path, slot.key, owner, status, JSON.stringify(response ?? null)],
        );
        completed = true;
      }
      return response;
    } finally {
      try {
        if (!completed) await this.release(slot, owner);
      } finally {
        this.local.delete(localKey);
        done();
      }
    }
  }

  /** Takes the key: a new row, or one whose window ended, or one a dead first left in flight. Null when someone else has it. */
  private async take(slot: Slot): Promise<string | null> {
    const owner = randomUUID();
    const { rowCount } = await this.pool.query(
      `INSERT INTO http_idempotency (principal, method, path, key, body_hash, state, owner, lease_until, status, response)
       VALUES ($1, $2, $3, $4, $5, 'in_flight', $6, now() + make_interval(secs => $7::double precision / 1000), NULL, NULL)
       ON CONFLICT (principal, method, path, key) DO UPDATE
         SET body_hash = EXCLUDED.body_hash, state = 'in_flight', owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until,
             status = NULL, response = NULL, created_at = now()
       WHERE http_idempotency.created_at <= now() - make_interval(hours => $8)
          OR (http_idempotency.state = 'in_flight' AND http_idempotency.lease_until < now() AND http_idempotency.body_hash = EXCLUDED.body_hash)`,
      [slot.principal, slot.method, slot.path, slot.key, slot.bodyHash, owner, this.config.IDEMPOTENCY_LEASE_MS, this.config.IDEMPOTENCY_WINDOW_HOURS],
    );
    return rowCount === 1 ? owner : null;
  }

  private async read(slot: Slot): Promise<Row | undefined> {
    const { rows } = await this.pool.query<Row>(
      `SELECT body_hash, state, status, response FROM http_idempotency WHERE principal = $1 AND method = $2 AND path = $3 AND key = $4`,
      [slot.principal, slot.method, slot.path, slot.key],
    );
    return rows[0];
  }

  /** A first that did not succeed gives its key back, so the request can be sent again. */
  private async release(slot: Slot, owner: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM http_idempotency WHERE principal = $1 AND method = $2 AND path = $3 AND key = $4 AND owner = $5 AND state = 'in_flight'`,
      [slot.principal, slot.method, slot.path, slot.key, owner],
    );
  }

  /** Until the first finishes when it runs in this process, else a short poll (the first may run on another replica). */
  private async waitForFirst(slot: Slot, pollMs: number, leftMs: number): Promise<void> {
    const mine = this.local.get(this.localKey(slot));
    let timer: NodeJS.Timeout | undefined;
    const pause = new Promise<void>((resolve) => (timer = setTimeout(resolve, mine ? leftMs : pollMs)));
    try {
      await (mine ? Promise.race([mine, pause]) : pause);
    } finally {
      clearTimeout(timer);
    }
  }

  private localKey(slot: Slot): string {
    return [slot.principal, slot.method, slot.path, slot.key].join('\u0000');
  }
}
