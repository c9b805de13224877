import { Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type pg from 'pg';
import { AGGREGATES, PG_POOL, type AggregateRegistration, type ContextRegistration } from '#platform';
import { AuditController } from './api/audit.controller.js';
import { AccessLogInterceptor, AuditAccessLog1764400000000 } from './application/access-log.js';
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
      inject: [PG_POOL, AGGREGATES],
      useFactory: (pool: pg.Pool, aggregates: AggregateRegistration[]) => new AuditReader(pool, aggregates),
    },
  ],
})
export class AuditModule {}

export const auditContext: ContextRegistration = {
  name: 'audit',
  module: AuditModule,
  projections: [],
  migrations: [AuditIndexes1732838400200, AuditAccessLog1764400000000],
};
