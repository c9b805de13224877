import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { LoggerModule } from 'nestjs-pino';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { AuthGuard, CoreModule, IdempotencyInterceptor, type Runtime } from '#platform';
import { HealthController } from './infra/health.controller.js';
import { MetricsController } from './infra/metrics.controller.js';
import { ProbeServer } from './infra/probe-server.js';
import { ProjectionsController } from './infra/projections.controller.js';
import { PROJECTIONS, ProjectionsService } from './infra/projections.service.js';
import { MessagingModule, type ContextRegistration } from '#messaging';

/** The deployable: shared runtime, operations endpoints, and the bounded contexts. */
@Module({})
export class AppModule {
  static register(runtime: Runtime, contexts: readonly ContextRegistration[]): DynamicModule {
    return {
      module: AppModule,
      imports: [
        CoreModule.forRuntime(
          runtime,
          contexts.flatMap((c) => c.aggregates ?? []),
        ),
        TerminusModule.forRoot({ errorLogStyle: 'json' }),
        LoggerModule.forRoot({
          pinoHttp: {
            level: runtime.config.LOG_LEVEL,
            genReqId: (req) => String(req.id ?? ''),
            customProps: (req) => ({ correlationId: req.id }),
            autoLogging: { ignore: (req) => /^\/(health|metrics)/.test(req.url ?? '') },
            redact: ['req.headers.authorization', 'req.headers.cookie'],
          },
        }),
        ...contexts.map((c) => c.module),
        MessagingModule.forContexts(contexts),
      ],
      controllers: [HealthController, MetricsController, ProjectionsController],
      providers: [
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
        { provide: PROJECTIONS, useValue: contexts.flatMap((c) => c.projections) },
        ProjectionsService,
        ProbeServer,
      ],
    };
  }
}
