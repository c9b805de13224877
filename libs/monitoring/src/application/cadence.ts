import { isDomainError, type BusinessDate, type RecordedEvent } from '#kernel';
import type { CommandContext, CommandResult } from '#eventstore';
import { runCommand } from '#platform';
import { reactor, type Projection } from '#projections';
import { cadenceStream, type CadenceEvent } from '../domain/review.js';
import type { DomainError } from '#kernel';
import { DAY_CLOSE_FILTER, observe } from './sources/index.js';
import type { MonitoringRuntime } from './runtime.js';

const CALENDAR_REACTOR = 'monitoring_calendar';

/** Closes a business day for monitoring; the cadence decides whether reviews are due. */
export async function closeMonitoringDay(
  runtime: MonitoringRuntime,
  businessDate: BusinessDate,
  ctx: CommandContext,
): Promise<CommandResult<CadenceEvent> | DomainError> {
  const streamId = cadenceStream();
  return runCommand(
    runtime.metrics,
    runtime.cadence,
    streamId,
    { type: 'CloseMonitoringDay', businessDate, everyDays: runtime.settings.reviewEveryDays, windowDays: runtime.settings.reviewWindowDays },
    { ...ctx, policyVersions: { ...ctx.policyVersions, reviewCadenceDays: String(runtime.settings.reviewEveryDays) } },
  );
}

/** Another context's end-of-day event closes the day for monitoring too. */
export function calendarReactor(runtime: MonitoringRuntime): Projection {
  return reactor({
    name: CALENDAR_REACTOR,
    filter: DAY_CLOSE_FILTER,
    async handle(event: RecordedEvent, reaction) {
      for (const o of observe(event)) {
        if (o.kind !== 'BusinessDayClosed') continue;
        const result = await closeMonitoringDay(runtime, o.businessDate, reaction.context('CloseMonitoringDay'));
        if (isDomainError(result)) throw new Error(`${result.code}: ${result.message}`);
      }
    },
  });
}
