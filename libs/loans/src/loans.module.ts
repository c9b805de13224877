import { Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '#eventstore';
import { Metrics, PG_POOL } from '#platform';
import type { ContextRegistration } from '#messaging';
import { BusinessCalendarController } from './api/business-calendar.controller.js';
import { CORE_BANKING_LOANS_TOPIC, CoreBankingLoansHandler } from './api/core-banking-messaging.js';
import { loansIntegrationEvents } from './api/integration-events.js';
import { LoanAccountsController } from './api/loan-accounts.controller.js';
import { SettlementController } from './api/settlement.controller.js';
import { WriteOffController } from './api/write-off.controller.js';
import { BusinessCalendar } from './application/business-calendar.js';
import { EndOfDay } from './application/end-of-day.js';
import { LoanCommandHandlers } from './application/loan-commands.js';
import { LoansSchema1732838400300 } from './application/schema.js';
import { calendarDecider } from './domain/calendar.js';
import { loanDecider } from './domain/loan/decide.js';
import { LoanQueries } from './read-model/loan-queries.js';
import { loansProjection } from './read-model/loan-projection.js';
import { loanCaseAssignmentsProjection } from './read-model/case-assignments.js';

/** Resumes an interrupted end of day at start-up and lets a running one stop cleanly at shutdown. */
@Injectable()
class EndOfDayWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('loans.end-of-day');
  constructor(private readonly endOfDay: EndOfDay) {}

  async onApplicationBootstrap(): Promise<void> {
    const resumed = await this.endOfDay.resume().catch((err) => {
      this.logger.error(`could not check for an interrupted end of day: ${String(err)}`);
      return null;
    });
    if (resumed) this.logger.log(`resuming the end of day for ${resumed}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.endOfDay.stop();
  }
}

function endOfDayLog(logger: Logger) {
  return (level: 'info' | 'warn' | 'error', message: string, fields?: Record<string, unknown>) => {
    const text = fields ? `${message} ${JSON.stringify(fields)}` : message;
    if (level === 'error') logger.error(text);
    else if (level === 'warn') logger.warn(text);
    else logger.log(text);
  };
}

/**
 * The Loans context: loan accounts mirrored from core banking, payments, days past due and
 * delinquency stages, and the business calendar whose end of day moves every loan on a day.
 */
@Module({
  // HTTP: commands and queries
  controllers: [LoanAccountsController, WriteOffController, SettlementController, BusinessCalendarController],
  providers: [
    // Application: command handlers (shared by HTTP and the Kafka intake), the calendar, the end of day
    { provide: BusinessCalendar, inject: [EVENT_STORE], useFactory: (store: EventStore) => new BusinessCalendar(store) },
    {
      provide: LoanCommandHandlers,
      inject: [EVENT_STORE, BusinessCalendar, Metrics],
      useFactory: (store: EventStore, calendar: BusinessCalendar, metrics: Metrics) => new LoanCommandHandlers(store, calendar, metrics),
    },
    {
      provide: EndOfDay,
      inject: [PG_POOL, EVENT_STORE, BusinessCalendar, LoanCommandHandlers, Metrics],
      useFactory: (pool: pg.Pool, store: EventStore, calendar: BusinessCalendar, handlers: LoanCommandHandlers, metrics: Metrics) =>
        new EndOfDay(pool, store, calendar, handlers.repository, { metrics, log: endOfDayLog(new Logger('loans.end-of-day')) }),
    },
    EndOfDayWorker,
    // Kafka: core banking's loan facts become the same commands as over HTTP
    CoreBankingLoansHandler,
    // Read model: queries (the projection itself is registered with the runner below)
    { provide: LoanQueries, inject: [PG_POOL], useFactory: (pool: pg.Pool) => new LoanQueries(pool) },
  ],
  exports: [LoanCommandHandlers, BusinessCalendar, LoanQueries],
})
export class LoansModule {}

export const loansContext: ContextRegistration = {
  name: 'loans',
  module: LoansModule,
  projections: [loansProjection, loanCaseAssignmentsProjection],
  migrations: [LoansSchema1732838400300],
  aggregates: [
    { category: 'loans.loan', initialState: loanDecider.initialState, evolve: loanDecider.evolve },
    { category: 'loans.calendar', initialState: calendarDecider.initialState, evolve: calendarDecider.evolve },
  ],
  // Kafka: loan facts published on arrears.loans.v1; core banking's facts taken in from core-banking.loans.v1
  integrationEvents: loansIntegrationEvents,
  inbound: [{ topic: CORE_BANKING_LOANS_TOPIC, handler: CoreBankingLoansHandler }],
};
