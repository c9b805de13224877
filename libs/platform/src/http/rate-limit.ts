import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type pg from 'pg';
import { AuthError, type StaffRole, type TokenVerifier } from '../auth/auth.js';
import { bearerPrincipal } from '../auth/guard.js';
import type { AppConfig } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import { ProblemException, problem } from './problem.js';
import { postgresRateLimitStore, pruneRateLimits } from './rate-limit-store.js';

/** Probes and scrapes get through whatever else is happening. */
const EXEMPT = /^\/(health|metrics)(\/|$)/;

export type CallerRole = StaffRole | 'anonymous';

/** Whom a request counts against: the token's subject, or the client address without a valid token. */
export interface Caller {
  readonly key: string;
  readonly role: CallerRole;
}

export interface RateLimitSettings {
  readonly windowMs: number;
  readonly max: number;
  /** 0: service principals are not limited. */
  readonly serviceMax: number;
  /** Per customer (role customer), whichever client acts for them. */
  readonly customerMax: number;
  readonly anonymousMax: number;
  /** postgres: one count for all replicas; memory: per process. */
  readonly store: 'postgres' | 'memory';
}

export function rateLimitSettings(config: AppConfig): RateLimitSettings {
  return {
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    max: config.RATE_LIMIT_MAX,
    serviceMax: config.RATE_LIMIT_SERVICE_MAX,
    customerMax: config.RATE_LIMIT_CUSTOMER_MAX,
    anonymousMax: config.RATE_LIMIT_ANONYMOUS_MAX,
    store: config.RATE_LIMIT_STORE,
  };
}

/** Requests a caller of this role may make per window; null when it is not limited. */
export function limitFor(role: CallerRole, settings: RateLimitSettings): number | null {
  if (role === 'anonymous') return settings.anonymousMax;
  if (role === 'service') return settings.serviceMax === 0 ? null : settings.serviceMax;
  if (role === 'customer') return settings.customerMax;
  return settings.max;
}

export interface RateLimitOptions {
  readonly settings: RateLimitSettings;
  readonly verifier: TokenVerifier;
  readonly metrics: Metrics;
  /** Where the counts live with `store: 'postgres'` (the app's pool). */
  readonly pool?: pg.Pool;
  /** Called at most once per caller and window when the caller is refused. */
  readonly onLimited?: (caller: Caller, request: FastifyRequest) => void;
  /** A failure of the shared store (the request is let through); called at most once a minute. */
  readonly onStoreError?: (err: unknown) => void;
}

/**
 * Per-principal rate limits in fixed windows, counted in Postgres (one upsert per request, shared
 * by every replica, so N replicas allow the limit once, not N times) or, with
 * RATE_LIMIT_STORE=memory, in this process. Anonymous callers are counted by `request.ip`, which
 * is the client's address behind the proxies TRUSTED_PROXIES names. The limiter runs as an
 * `onRequest` hook, before Nest's guards and before the body is read, so it verifies the bearer
 * token itself; the AuthGuard reuses that verification (bearerPrincipal). A refusal is a 429
 * problem with code RATE_LIMITED and `retry-after` in seconds. Register before the routes.
 */
export async function registerRateLimit(fastify: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { settings, verifier, metrics, onLimited, pool, onStoreError } = options;
  let store: ReturnType<typeof postgresRateLimitStore> | undefined;
  if (settings.store === 'postgres') {
    if (!pool) throw new Error('RATE_LIMIT_STORE=postgres needs the pool');
    let lastError = -Infinity;
    store = postgresRateLimitStore(pool, (err) => {
      if (Date.now() - lastError < 60_000) return;
      lastError = Date.now();
      onStoreError?.(err);
    });
    // Ended windows are deleted by every replica now and then (a cheap, idempotent delete).
    const prune = setInterval(() => void pruneRateLimits(pool).catch(() => undefined), Math.max(settings.windowMs, 60_000));
    prune.unref();
    fastify.addHook('onClose', async () => clearInterval(prune));
  }
  const callers = new WeakMap<object, Caller>();
  const callerOf = async (request: FastifyRequest): Promise<Caller> => {
    const known = callers.get(request.raw);
    if (known) return known;
    const verified = bearerPrincipal(request, verifier);
    const principal = verified
      ? await verified.catch((err: unknown) => {
          if (err instanceof AuthError) return null;
          throw err;
        })
      : null;
    // A customer is counted by their customer id, apart from staff subjects and from the client acting for them.
    const caller: Caller = principal
      ? { key: principal.role === 'customer' ? `customer:${principal.id}` : `sub:${principal.id}`, role: principal.role }
      : { key: `ip:${normalizeIP(request.ip)}`, role: 'anonymous' };
    callers.set(request.raw, caller);
    return caller;
  };
  const lastReported = new Map<string, number>();

  // Runs before the plugin's own onRoute hook: exempt routes get no limiter at all.
  fastify.addHook('onRoute', (route) => {
    if (EXEMPT.test(route.url)) route.config = { ...(route.config ?? {}), rateLimit: false };
  });
  await fastify.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    timeWindow: settings.windowMs,
    cache: 50_000,
    ...(store ? { store, skipOnError: true } : {}),
    keyGenerator: async (request) => (await callerOf(request)).key,
    allowList: async (request) => limitFor((await callerOf(request)).role, settings) === null,
    max: async (request) => limitFor((await callerOf(request)).role, settings) ?? Number.MAX_SAFE_INTEGER,
    onExceeded: (request, key) => {
      const caller = callers.get(request.raw) ?? { key, role: 'anonymous' as const };
      metrics.rateLimited.inc({ role: caller.role });
      const now = Date.now();
      if ((lastReported.get(key) ?? -Infinity) > now - settings.windowMs) return;
      if (lastReported.size >= 10_000) lastReported.clear();
      lastReported.set(key, now);
      onLimited?.(caller, request);
    },
    errorResponseBuilder: (_request, context) => {
      const retryAfterSeconds = Math.max(1, Math.ceil(context.ttl / 1000));
      return new ProblemException(
        problem(429, 'RATE_LIMITED', 'Rate limited', `More than ${context.max} requests in ${settings.windowMs / 1000} s; retry in ${retryAfterSeconds} s.`, {
          limit: context.max,
          windowMs: settings.windowMs,
          retryAfterSeconds,
        }),
      );
    },
  });
}
