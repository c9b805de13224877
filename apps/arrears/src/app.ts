import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { MessagingService, type ContextRegistration } from '#messaging';
import {
  ProblemFilter,
  TokenVerifier,
  limitConnections,
  rateLimitSettings,
  registerRateLimit,
  registerRequestGuards,
  serverLimits,
  type Runtime,
} from '#platform';
import { AppModule } from './app.module.js';
import { ProbeServer } from './infra/probe-server.js';
import { ProjectionsService } from './infra/projections.service.js';
import { devSignIn, registerConsole } from './console.js';
import { openApiDocument } from './openapi/document.js';

const CORRELATION = /^[A-Za-z0-9._:-]{1,128}$/;

export interface RouteEntry {
  readonly method: string;
  readonly url: string;
}

const ROUTES = new WeakMap<object, RouteEntry[]>();

/** Every HTTP route the app registered (for the access-matrix test and diagnostics). */
export function routeTable(app: NestFastifyApplication): RouteEntry[] {
  return ROUTES.get(app) ?? [];
}

/** Builds the Nest application on Fastify (not yet listening, projections not yet started). */
export async function buildApp(runtime: Runtime, contexts: readonly ContextRegistration[]): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    // Body size, request/header/idle timeouts, and problem+json for the parser's and router's refusals.
    ...(serverLimits(runtime.config) as object),
    // X-Forwarded-For is believed from the load balancers only, so request.ip is the caller's own address.
    trustProxy: runtime.config.TRUSTED_PROXIES ?? false,
    // The caller's correlation id when it sent a sane one, else a fresh one.
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) => {
      const given = req.headers['x-correlation-id'];
      return typeof given === 'string' && CORRELATION.test(given) ? given : randomUUID();
    },
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(runtime, contexts), adapter, {
    bufferLogs: true,
    abortOnError: false,
    // Fastify's own JSON parser only: no form-encoded parser, so any non-JSON body is a 415.
    bodyParser: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  app.useGlobalFilters(new ProblemFilter((error, request) => logger.error({ err: error, url: request?.url }, 'request failed')));
  const fastify = app.getHttpAdapter().getInstance();
  const routes: RouteEntry[] = [];
  ROUTES.set(app, routes);
  fastify.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') routes.push({ method, url: route.url });
  });
  // Commands and queries speak JSON only; any other body is a 415.
  fastify.removeContentTypeParser(['text/plain']);
  registerRequestGuards(fastify);
  limitConnections(fastify.server, runtime.config);
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-correlation-id', request.id);
  });
  // Per-principal rate limits, on every route registered from here on (all of Nest's and the docs).
  await registerRateLimit(fastify, {
    settings: rateLimitSettings(runtime.config),
    verifier: app.get(TokenVerifier),
    metrics: runtime.metrics,
    pool: runtime.pool,
    onStoreError: (err) => logger.error({ err }, 'rate-limit store failed; requests are let through uncounted'),
    onLimited: (caller, request) => logger.warn({ caller: caller.key, role: caller.role, url: request.url }, 'rate limited'),
  });

  // The staff console (/console), a page over the same public API; a development sign-in on the embedded default.
  registerConsole(fastify, devSignIn(runtime.config, runtime.auth));

  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/json' });
  return app;
}

/**
 * Starts the roles this process runs: projections first (so reads catch up), then HTTP. Every
 * process listens, so probes and metrics reach workers too; only `api` processes sit behind the
 * API's load balancer.
 */
export async function startRoles(app: NestFastifyApplication, runtime: Runtime): Promise<void> {
  await app.init();
  if (runtime.config.ARREARS_ROLES.includes('projections')) await app.get(ProjectionsService).start();
  // Kafka (relay role, KAFKA_BROKERS set): the relay and the consumers start in the background.
  if (runtime.config.ARREARS_ROLES.includes('relay')) await app.get(MessagingService).start();
  await app.listen({ port: runtime.config.PORT, host: runtime.config.HOST });
  if (runtime.config.PROBE_PORT !== undefined) {
    // Unready when the main thread has not reported for 10 s (its checks run every second), not
    // live after 60 s (blocked: let the orchestrator restart it).
    await app.get(ProbeServer).start(runtime.config.HOST, runtime.config.PROBE_PORT, { staleAfterMs: 10_000, liveStaleAfterMs: 60_000 });
  }
}
