import { Controller, Get, Inject, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type pg from 'pg';
import { EVENT_STORE, type EventStore } from '#eventstore';
import { APP_CONFIG, Metrics, PG_POOL, ProblemException, Public, problem, toProblem, type AppConfig } from '#platform';
import { MessagingService } from '#messaging';
import { ProbeServer } from './probe-server.js';
import { ProjectionsService } from './projections.service.js';

/** How often the checks run in the background, and how old an answer may be before a request waits for fresh checks. */
const CHECK_EVERY_MS = 1_000;
const STALE_AFTER_MS = 10_000;

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController implements OnModuleInit, OnModuleDestroy {
  private latest?: { at: number; outcome: { ok: true; value: HealthCheckResult } | { ok: false; error: unknown } };
  private running?: Promise<void>;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
    private readonly projections: ProjectionsService,
    private readonly messaging: MessagingService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly probe: ProbeServer,
    private readonly metrics: Metrics,
  ) {}

  @Get('live')
  @ApiOperation({ summary: 'The process is up' })
  live() {
    return { status: 'ok' };
  }

  onModuleInit(): void {
    this.timer = setInterval(() => void this.refresh(), CHECK_EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /**
   * Answers from memory: the checks run in the background once a second (each one queries the
   * databases, which under load queue behind the work), and a request gets the latest result
   * without waiting. Checks that have not completed for STALE_AFTER_MS make the process unready.
   */
  @Get('ready')
  @HealthCheck()
  @ApiOperation({
    summary:
      'Event store, read-model database, projections (none halted or further behind than READINESS_MAX_LAG_SECONDS) and Kafka relay are usable (503 otherwise); checked in the background every second',
  })
  async ready() {
    if (!this.latest) await this.refresh();
    const { at, outcome } = this.latest!;
    if (Date.now() - at > STALE_AFTER_MS) {
      throw new ProblemException(
        problem(503, 'NOT_READY', 'Not ready', `The readiness checks have not completed for ${Math.round((Date.now() - at) / 1000)} s.`, {
          failing: ['checks'],
          lastCheckedAt: new Date(at).toISOString(),
        }),
      );
    }
    if (outcome.ok) return outcome.value;
    throw outcome.error;
  }

  private refresh(): Promise<void> {
    this.running ??= this.check()
      .then(
        (value) => (this.latest = { at: Date.now(), outcome: { ok: true, value } }),
        (error: unknown) => (this.latest = { at: Date.now(), outcome: { ok: false, error } }),
      )
      .then(({ at, outcome }) => {
        // The probe port (PROBE_PORT) gives the same answer until the next check.
        const body = outcome.ok ? outcome.value : toProblem(outcome.error);
        this.probe.publish({ status: outcome.ok ? 200 : (body as { status: number }).status, body, checkedAt: at });
      })
      .finally(() => (this.running = undefined));
    return this.running;
  }

  private check(): Promise<HealthCheckResult> {
    return this.health.check([
      async () => {
        const i = this.indicator.check('eventStore');
        try {
          await this.store.checkHealth();
          this.metrics.eventStoreUp.set({ kind: this.store.kind }, 1);
          return i.up({ kind: this.store.kind });
        } catch (err) {
          this.metrics.eventStoreUp.set({ kind: this.store.kind }, 0);
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
        const halted = await this.projections.runner.haltedProjections();
        // Far behind: the oldest event a projection or reactor has still to apply has waited longer
        // than READINESS_MAX_LAG_SECONDS. Checked where the projections run: an API-only process
        // serves commands whatever the workers' lag, and taking it out would stop commands too.
        // (Once the runner has started: before, not every projection is installed yet.)
        const maxLag = this.config.READINESS_MAX_LAG_SECONDS;
        let lagging: Array<{ name: string; lagSeconds: number; lagPositions: number }> = [];
        if (this.config.ARREARS_ROLES.includes('projections') && this.projections.isRunning) {
          try {
            lagging = (await this.projections.runner.status())
              .filter((s) => s.lagSeconds > maxLag)
              .map((s) => ({ name: s.name, lagSeconds: Math.round(s.lagSeconds), lagPositions: s.lagPositions }));
          } catch (err) {
            return i.down({ running: this.projections.isRunning, error: `lag unknown: ${String((err as Error).message ?? err)}` });
          }
        }
        const detail = { running: this.projections.isRunning, halted: halted.map((s) => ({ name: s.name, error: s.error })), maxLagSeconds: maxLag, lagging };
        return halted.length || lagging.length ? i.down(detail) : i.up(detail);
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
