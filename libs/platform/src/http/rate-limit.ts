import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AuthError, type StaffRole, type TokenVerifier } from '../auth/auth.js';
import { bearerPrincipal } from '../auth/guard.js';
import type { AppConfig } from '../config/config.js';
import type { Metrics } from '../observability/metrics.js';
import { ProblemException, problem } from './problem.js';

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
  readonly anonymousMax: number;
}

export function rateLimitSettings(config: AppConfig): RateLimitSettings {
  return {
    windowMs: config.RATE_LIMIT_WINDOW_MS,
    max: config.RATE_LIMIT_MAX,
    serviceMax: config.RATE_LIMIT_SERVICE_MAX,
    anonymousMax: config.RATE_LIMIT_ANONYMOUS_MAX,
  };
}

/** Requests a caller of this role may make per window; null when it is not limited. */
export function limitFor(role: CallerRole, settings: RateLimitSettings): number | null {
  if (role === 'anonymous') return settings.anonymousMax;
  if (role === 'service') return settings.serviceMax === 0 ? null : settings.serviceMax;
  return settings.max;
}

export interface RateLimitOptions {
  readonly settings: RateLimitSettings;
  readonly verifier: TokenVerifier;
  readonly metrics: Metrics;
  /** Called at most once per caller and window when the caller is refused. */
  readonly onLimited?: (caller: Caller, request: FastifyRequest) => void;
}

/**
 * Per-principal rate limits (fixed windows, counted in this process). The limiter runs as an
 * `onRequest` hook, before Nest's guards and before the body is read, so it verifies the bearer
 * token itself; the AuthGuard reuses that verification (bearerPrincipal). A refusal is a 429
 * problem with code RATE_LIMITED and `retry-after` in seconds. Register before the routes.
 */
export async function registerRateLimit(fastify: FastifyInstance, options: RateLimitOptions): Promise<void> {
  const { settings, verifier, metrics, onLimited } = options;
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
    const caller: Caller = principal ? { key: `sub:${principal.id}`, role: principal.role } : { key: `ip:${normalizeIP(request.ip)}`, role: 'anonymous' };
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
