import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { deterministicId, isDomainError, type RecordedEvent } from '#kernel';
import { fields } from '#platform';
import { rejected, rejectedBy, type InboundHandler, type InboundMessage, type InboundOutcome, type IntegrationMapper } from '#messaging';
import { ContactService } from '../application/contacts.service.js';
import { COLLECTION_SYSTEM } from '../application/end-of-day.js';
import { CASE_EVENT_TYPES } from '../domain/case/events.js';
import { COLLECTOR_EVENT_TYPES } from '../domain/collector.js';
import { DISPATCH_EVENT_TYPES, type ActionReleased } from '../domain/debtor.js';
import { CHANNELS, OUTCOMES } from '../domain/model.js';

/**
 * Collection on Kafka. Outbound: every case, strategy, collector and debtor-ledger event on
 * `arrears.collection.v1` (keyed by its aggregate id), and each action the dispatch gate released
 * (ActionReleased on the debtor's ledger) on `arrears.channel-actions.v1` for the channel executors
 * (keyed by case id, so a case's actions stay in order). A scheduled action the gate withheld or
 * rescheduled never reaches that topic. Inbound: executors report on `arrears.channel-outcomes.v1`; each outcome becomes
 * a contact attempt whose attemptId (and idempotency key) is the message id.
 */
export const COLLECTION_TOPIC = 'arrears.collection.v1';
export const CHANNEL_ACTIONS_TOPIC = 'arrears.channel-actions.v1';
export const CHANNEL_OUTCOMES_TOPIC = 'arrears.channel-outcomes.v1';
export const CHANNEL_OUTCOME_TYPE = 'arrears.collection.ChannelOutcome';

const OTHER_EVENTS = [
  'StrategyVersionProposed',
  'StrategyVersionApproved',
  'StrategyVersionRejected',
  'StrategyVersionActivated',
  ...COLLECTOR_EVENT_TYPES,
  'DebtorContactLogged',
  'ContactStopped',
  'ContactStopLifted',
  'ChannelOptedOut',
  'ChannelOptedIn',
  'ContactTimesPreferred',
  'ThirdPartyExceptionRecorded',
  'ThirdPartyExceptionEnded',
  'ThirdPartyRefused',
  'ContactRulesProposed',
  'ContactRulesPublished',
  ...DISPATCH_EVENT_TYPES,
  'OutreachStarted',
  'OutreachEnded',
  'OutreachContactBlocked',
];

function keyOf(event: RecordedEvent): string {
  const d = event.data as { caseId?: string; trackId?: string; strategyId?: string; collectorId?: string; customerId?: string };
  return d.caseId ?? d.trackId ?? d.strategyId ?? d.collectorId ?? d.customerId ?? event.streamId;
}

export const collectionIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: [...CASE_EVENT_TYPES, ...OTHER_EVENTS],
    topic: COLLECTION_TOPIC,
    map: (event) => (event.streamId.startsWith('collection.') ? { key: keyOf(event), type: `arrears.collection.${event.type}`, data: event.data } : null),
  },
  {
    // Only what the dispatch gate released reaches the executors: the action, when to send it,
    // and the contact rules version it was judged under.
    eventTypes: ['ActionReleased'],
    topic: CHANNEL_ACTIONS_TOPIC,
    map(event) {
      if (!event.streamId.startsWith('collection.debtor-')) return null;
      const d = (event as unknown as ActionReleased).data;
      return {
        key: d.caseId,
        type: 'arrears.collection.ActionReleased',
        id: deterministicId(event.eventId, CHANNEL_ACTIONS_TOPIC),
        data: { ...d.action, sendAt: d.sendAt, localDate: d.localDate, localTime: d.localTime, timeZone: d.timeZone, rulesVersion: d.rulesVersion },
      };
    },
  },
];

/** An executor's report of what became of a channel action. */
export const ChannelOutcomeData = z.strictObject({
  caseId: fields.id,
  actionId: z.string().min(1).max(300).optional(),
  executorId: fields.id,
  channel: z.enum(CHANNELS),
  outcome: z.enum(OUTCOMES),
  occurredAt: z.iso.datetime({ offset: true }),
  party: z.enum(['DEBTOR', 'THIRD_PARTY']).optional(),
  thirdPartyContactId: fields.id.optional(),
  promise: z.strictObject({ amount: fields.positiveFen, dueOn: fields.businessDate }).optional(),
  /** A dialer's call recording (an id); every call carries one under the 2026 guideline. */
  recordingRef: fields.id.optional(),
  /** The contact opened by naming the bank (and agency): required of a case's first call reaching someone (2026). */
  identified: z.boolean().optional(),
});

@Injectable()
export class ChannelOutcomesHandler implements InboundHandler {
  constructor(private readonly contacts: ContactService) {}

  async handle(message: InboundMessage): Promise<InboundOutcome> {
    if (message.type !== undefined && message.type !== CHANNEL_OUTCOME_TYPE)
      return rejected('UNKNOWN_MESSAGE_TYPE', `no command for message type ${message.type}`);
    const parsed = ChannelOutcomeData.safeParse(message.data);
    if (!parsed.success) {
      return rejected('VALIDATION_FAILED', `the message data does not match ${CHANNEL_OUTCOME_TYPE}`, {
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const d = parsed.data;
    const at = new Date(d.occurredAt).toISOString();
    const input = {
      attemptId: message.id,
      actionId: d.actionId ?? null,
      channel: d.channel,
      outcome: d.outcome,
      at,
      by: { kind: 'EXECUTOR' as const, id: d.executorId },
      party: d.party ?? 'DEBTOR',
      thirdPartyContactId: d.thirdPartyContactId ?? null,
      promise: d.promise ? { promiseId: `${message.id}-promise`, amount: d.promise.amount, dueOn: d.promise.dueOn } : null,
      recordingRef: d.recordingRef ?? null,
      identified: d.identified ?? false,
    };
    const ctx = (command: string) => ({
      command,
      actor: { id: `kafka:${message.topic}`, role: COLLECTION_SYSTEM.role },
      occurredAt: at,
      correlationId: message.correlationId ?? message.id,
      causationId: message.id,
      idempotencyKey: message.id,
      extra: { via: 'kafka', topic: message.topic, executorId: d.executorId },
    });
    // An action of a pre-delinquency track (no case yet) is reported against the track's id.
    const onTrack = d.caseId.includes('-W') && !d.promise ? await this.contacts.attemptOnTrack(d.caseId, input, ctx('LogContact')) : null;
    if (onTrack) return isDomainError(onTrack) ? rejectedBy(onTrack) : 'ok';
    const outcome = await this.contacts.attempt(d.caseId, input, ctx('AttemptContact'));
    // A contact the rules refused is recorded on the case (ContactBlocked): handled, not a dead letter.
    return isDomainError(outcome) ? rejectedBy(outcome) : 'ok';
  }
}
