import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '#eventstore';
import { PG_POOL, Public } from '#platform';
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
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ summary: 'Event store, read-model database and projections are usable (503 otherwise)' })
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
    ]);
  }
}
