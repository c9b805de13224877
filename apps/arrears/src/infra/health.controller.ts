import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '#eventstore';
import { PG_POOL, Public } from '#platform';
import { MessagingService } from '#messaging';
import { ProjectionsService } from './projections.service.js';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly projections: ProjectionsService,
    private readonly messaging: MessagingService,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Event store, read-model database, projections and Kafka relay are usable (503 otherwise)' })
  ready() {
    return this.health.check([
      async () => {
        const i = this.indicator.check('eventStore');
        try {
          await this.store.checkHealth();
          return i.up({ kind: this.store.kind });
        } catch (err) {
          return i.down({ kind: this.store.kind, error: String((err as Error).message ?? err) });
        }
      },
      async () => {
        const i = this.indicator.check('readModelDatabase');
        try {
          await this.pool.query('SELECT 1');
          return i.up();
        } catch (err) {
          return i.down({ error: String((err as Error).message ?? err) });
        }
      },
      async () => {
        const i = this.indicator.check('projections');
        const statuses = await this.projections.runner.status();
        const halted = statuses.filter((s) => s.status === 'halted');
        const detail = { running: this.projections.isRunning, halted: halted.map((s) => ({ name: s.name, error: s.error })) };
        return halted.length ? i.down(detail) : i.up(detail);
      },
      async () => {
        // Kafka: down while the relay backs off from an unreachable broker (or a failing mapper)
        // or the inbound consumer group has crashed; `{ state: 'off' }` without KAFKA_BROKERS.
        const i = this.indicator.check('messaging');
        const { up, status } = await this.messaging.readiness();
        const detail = { relay: status.relay, inbound: status.inbound };
        return up ? i.up(detail) : i.down(detail);
      },
    ]);
  }
}
