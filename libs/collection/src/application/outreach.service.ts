import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type pg from 'pg';
import { isDomainError, type BusinessDate, type RecordedEvent } from '#kernel';
import type { CommandContext } from '#eventstore';
import type { EarlyWarningRaised } from '#monitoring';
import { Metrics, runCommand, PG_POOL } from '#platform';
import { reactor, rowProjection, type Projection } from '#projections';
import { DEFAULT_GRADE, type Grade } from '../domain/model.js';
import type { OutreachEvent } from '../domain/outreach.js';
import { StrategyCatalog } from './catalog.js';
import { CollectionStore, streams } from './collection-store.js';
import { GRADES_TABLE, LOANS_MIRROR_TABLE, fromRow, nextDueDate, type MirrorRow } from './loan-mirror.js';
import { COLLECTION_SYSTEM, forEachConcurrent } from './system.js';

const EARLY_OUTREACH = 'collection_early_outreach';

const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH'] as const;
type Severity = (typeof SEVERITIES)[number];

/**
 * The severity from which an early warning starts outreach: `COLLECTION_OUTREACH_MIN_SEVERITY`
 * (LOW, MEDIUM or HIGH; default HIGH). An unknown value stops the app at start.
 */
function outreachMinSeverity(env: Record<string, string | undefined> = process.env): Severity {
  const v = env.COLLECTION_OUTREACH_MIN_SEVERITY;
  if (v === undefined || v === '') return 'HIGH';
  if (!(SEVERITIES as readonly string[]).includes(v)) throw new Error(`COLLECTION_OUTREACH_MIN_SEVERITY must be one of ${SEVERITIES.join(', ')} (got ${v})`);
  return v as Severity;
}

function atLeast(severity: string, min: Severity): boolean {
  return SEVERITIES.indexOf(severity as Severity) >= SEVERITIES.indexOf(min);
}

/**
 * Pre-delinquency outreach (P6) and pre-due reminders (P4): an early warning at or above the
 * configured severity starts, for each of the customer's loans that is current (no open case), a
 * pre-delinquency track following the strategy for (grade, M0); the end of every business day
 * schedules the track's steps as they fall due before the installment. The tracks' actions go
 * through the dispatch gate like a case's. Reaction ledger: each warning is decided once.
 */
@Injectable()
export class OutreachService implements OnModuleDestroy {
  private readonly logger = new Logger('CollectionOutreach');
  readonly minSeverity = outreachMinSeverity();

  constructor(
    private readonly store: CollectionStore,
    private readonly catalog: StrategyCatalog,
    private readonly metrics: Metrics,
    @Inject(PG_POOL) private readonly pool: pg.Pool,
  ) {
    binding.service = this;
  }

  onModuleDestroy(): void {
    if (binding.service === this) binding.service = null;
  }

  /** A warning: start a track on each current loan of the customer. */
  async onWarning(event: RecordedEvent, ctx: (command: string, suffix: string) => CommandContext): Promise<void> {
    const w = (event as unknown as EarlyWarningRaised).data;
    if (!atLeast(w.severity, this.minSeverity)) return;
    const { rows } = await this.pool.query<MirrorRow>(
      `SELECT * FROM ${LOANS_MIRROR_TABLE} WHERE customer_id = $1 AND case_id IS NULL AND NOT delinquent ORDER BY loan_id`,
      [w.customerId],
    );
    const { rows: graded } = await this.pool.query<{ grade: Grade }>(`SELECT grade FROM ${GRADES_TABLE} WHERE customer_id = $1`, [w.customerId]);
    const grade = graded[0]?.grade ?? DEFAULT_GRADE;
    for (const loan of rows.map(fromRow)) {
      const trackId = `${loan.loanId}-W${w.episode.number}`;
      const strategy = await this.catalog.resolve({ caseId: trackId, loanId: loan.loanId, customerId: w.customerId }, grade, 'M0', w.asOf);
      const result = await runCommand(
        this.metrics,
        this.store.outreach,
        streams.outreach(trackId),
        {
          type: 'StartOutreach',
          data: {
            trackId,
            loanId: loan.loanId,
            customerId: loan.customerId,
            timeZone: loan.timeZone,
            grade,
            businessDate: w.asOf,
            nextDueDate: nextDueDate(loan, w.asOf),
            strategy,
            warning: { eventId: event.eventId, episode: w.episode.number, severity: w.severity, asOf: w.asOf },
          },
        },
        ctx('StartOutreach', trackId),
      );
      if (isDomainError(result)) this.logger.log({ msg: 'no outreach', trackId, code: result.code, detail: result.message });
    }
  }

  /** The close of a business day: every open track schedules what falls due, or ends at its due date. */
  async closeDay(businessDate: BusinessDate, ctx: CommandContext): Promise<number> {
    const { rows } = await this.pool.query<{ track_id: string }>(`SELECT track_id FROM rm_collection_outreach WHERE status = 'OPEN' ORDER BY track_id`);
    let scheduled = 0;
    await forEachConcurrent(rows, 4, async ({ track_id }) => {
      const result = await runCommand(
        this.metrics,
        this.store.outreach,
        streams.outreach(track_id),
        { type: 'CloseOutreachDay', data: { trackId: track_id, businessDate } },
        { ...ctx, command: 'CloseOutreachDay', idempotencyKey: `${ctx.idempotencyKey ?? 'eod'}:outreach:${track_id}` },
      );
      if (!isDomainError(result)) scheduled += result.events.filter((e) => e.type === 'ActionScheduled').length;
    });
    return scheduled;
  }
}

const binding: { service: OutreachService | null } = { service: null };

export const earlyOutreachProjection: Projection = reactor({
  name: EARLY_OUTREACH,
  filter: { streamPrefixes: ['monitoring.customer-'], eventTypes: ['EarlyWarningRaised'] },
  async handle(event, reaction) {
    if (!binding.service) throw new Error('collection outreach is not initialised');
    await binding.service.onWarning(event, (command, suffix) =>
      reaction.context(command, { actor: COLLECTION_SYSTEM, idempotencyKey: `${reaction.key}:${suffix}` }),
    );
  },
});

/** The tracks, for the end of day (which are open) and for staff (who was reached before falling behind). */
interface OutreachRow {
  [column: string]: unknown;
  track_id: string;
  loan_id: string;
  customer_id: string;
  status: 'OPEN' | 'ENDED';
  due_date: string;
  started_on: string;
  ended_on: string | null;
  severity: string;
  strategy_id: string | null;
  strategy_version: number | null;
  variant: string | null;
  actions: number;
}

export const outreachProjection: Projection = rowProjection<OutreachRow>({
  name: 'collection_outreach',
  version: 1,
  table: 'rm_collection_outreach',
  ddl: `CREATE TABLE {table} (
    track_id text PRIMARY KEY, loan_id text NOT NULL, customer_id text NOT NULL, status text NOT NULL, due_date text NOT NULL,
    started_on text NOT NULL, ended_on text, severity text NOT NULL, strategy_id text, strategy_version integer, variant text, actions integer NOT NULL);
    CREATE INDEX {table}_status ON {table} (status);
    CREATE INDEX {table}_customer ON {table} (customer_id)`,
  key: 'track_id',
  filter: { streamPrefixes: ['collection.outreach-'], eventTypes: ['OutreachStarted', 'OutreachEnded', 'ActionScheduled'] },
  keyOf: (e) => (e.data as { trackId?: string; caseId?: string }).trackId ?? (e.data as { caseId?: string }).caseId ?? null,
  evolve(row, recorded) {
    const e = recorded as unknown as OutreachEvent;
    switch (e.type) {
      case 'OutreachStarted': {
        const d = e.data;
        return {
          track_id: d.trackId,
          loan_id: d.loanId,
          customer_id: d.customerId,
          status: 'OPEN',
          due_date: d.dueDate,
          started_on: d.startedOn,
          ended_on: null,
          severity: d.warning.severity,
          strategy_id: d.plan.strategy?.strategyId ?? null,
          strategy_version: d.plan.strategy?.version ?? null,
          variant: d.plan.strategy?.variant ?? null,
          actions: 0,
        };
      }
      case 'ActionScheduled':
        return row ? { ...row, actions: row.actions + 1 } : undefined;
      case 'OutreachEnded':
        return row ? { ...row, status: 'ENDED', ended_on: e.data.endedOn } : undefined;
      default:
        return undefined;
    }
  },
});
