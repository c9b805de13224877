import { Inject, Injectable, Logger, Optional, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '#kernel';
import { APP_CONFIG, type AppConfig } from '#platform';
import { CollectionClock } from './clock.js';
import { DispatchService, type DispatchRunSummary } from './dispatch.service.js';
import { COLLECTION_SYSTEM } from './system.js';

/**
 * Where the dispatch worker takes its instant from: the host's clock (NTP-disciplined) unless a
 * test or an operator binds another. Only the instant: the business date is Loans' calendar's.
 */
export const DISPATCH_INSTANTS = Symbol('CollectionDispatchInstants');

/**
 * The in-process dispatch scheduler: every `COLLECTION_DISPATCH_EVERY_SECONDS` (0, the default:
 * off, and `POST /collection/dispatch {at}` is called from outside) a process that runs projections
 * makes the same dispatch run the route makes, with `at` from the instant source and the business
 * date from Collection's copy of Loans' calendar. Nothing runs before the calendar starts or while
 * a day is closing (the close expires the day's actions). Runs never overlap in a process; across
 * processes they may, and the debtor's ledger (appends at its revision, one key per run and action)
 * judges each action once.
 */
@Injectable()
export class DispatchWorker implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('CollectionDispatchWorker');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<DispatchRunSummary | null> | null = null;
  private readonly instants: Clock;

  constructor(
    private readonly dispatch: DispatchService,
    private readonly calendar: CollectionClock,
    @Inject(APP_CONFIG) private readonly config: Pick<AppConfig, 'COLLECTION_DISPATCH_EVERY_SECONDS' | 'ARREARS_ROLES'>,
    @Optional() @Inject(DISPATCH_INSTANTS) instants?: Clock,
  ) {
    this.instants = instants ?? systemClock;
  }

  get everySeconds(): number {
    return this.config.COLLECTION_DISPATCH_EVERY_SECONDS;
  }

  onApplicationBootstrap(): void {
    if (this.everySeconds > 0 && this.config.ARREARS_ROLES.includes('projections')) this.start();
  }

  start(): void {
    if (this.timer || this.everySeconds <= 0) return;
    this.timer = setInterval(() => void this.tick(), this.everySeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** One run now: null when another is still going, the calendar has not started, or the day is closing. */
  tick(): Promise<DispatchRunSummary | null> {
    if (this.running) return Promise.resolve(null);
    const run = this.runOnce().finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  private async runOnce(): Promise<DispatchRunSummary | null> {
    try {
      const day = await this.calendar.day();
      if (!day || day.status !== 'open') return null;
      const at = this.instants.now().toISOString();
      const runId = randomUUID();
      const summary = await this.dispatch.releaseDue(at, day.openBusinessDate, {
        command: 'ReleaseAction',
        actor: COLLECTION_SYSTEM,
        occurredAt: at,
        correlationId: runId,
        idempotencyKey: `dispatch-worker:${at}`,
      });
      if (summary.candidates > 0) this.logger.log({ msg: 'dispatch run', businessDate: day.openBusinessDate, ...summary });
      return summary;
    } catch (err) {
      this.logger.error({ msg: 'dispatch run failed', err: err instanceof Error ? err.message : String(err) });
      return null;
    }
  }
}
