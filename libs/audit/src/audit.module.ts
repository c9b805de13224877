import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '#eventstore';
import { AGGREGATES, PG_POOL, type AggregateRegistration } from '#platform';
import type { ContextRegistration } from '#messaging';
import { AuditController } from './api/audit.controller.js';
import { AccessLogInterceptor, AuditAccessLog1764400000000 } from './application/access-log.js';
import { AuditIndexSchema1764900000000, auditIndexProjection } from './application/audit-index.js';
import { AuditReader } from './application/history.js';
import { AuditIndexes1732838400200 } from './application/schema.js';

@Module({
  // HTTP
  controllers: [AuditController],
  // Application
  providers: [
    // Every audit query is recorded (who looked at what, when)
    { provide: APP_INTERCEPTOR, useClass: AccessLogInterceptor },
    {
      provide: AuditReader,
      inject: [PG_POOL, EVENT_STORE, AGGREGATES],
      useFactory: (pool: pg.Pool, store: EventStore, aggregates: AggregateRegistration[]) => new AuditReader(pool, store, aggregates),
    },
  ],
})
export class AuditModule {}

export const auditContext: ContextRegistration = {
  name: 'audit',
  module: AuditModule,
  // The audit index: every event's place, search fields and hash-chain link, from $all (either store).
  projections: [auditIndexProjection],
  migrations: [AuditIndexes1732838400200, AuditAccessLog1764400000000, AuditIndexSchema1764900000000],
};
