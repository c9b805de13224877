import type { RecordedEvent } from '#kernel';
import { STAGES, type ObservationDraft, type Stage } from '../../domain/observations.js';
import { dataOf, dateOf, entityId, num, str, type Data } from './common.js';

/**
 * Collection → monitoring. Stream `collection.case-<caseId>`. Read structurally (the context's
 * index does not export its event types yet); the fields used, per event type
 * (libs/collection/src/domain/case/events.ts):
 * - CaseOpened { caseId, loanId, customerId, grade, stage, overdueAmount, openedOn,
 *                plan.strategy { strategyId, version, variant } | null }
 *   (flat `strategyId` / `strategyVersion` / `variant` on the data are read too)
 * - CaseAssigned { caseId, collectorId }; CaseReassigned { caseId, to }
 * - CaseEscalated / CaseDeescalated { caseId, to, asOf }
 * - ContactAttempted { caseId, attemptId, channel, outcome, party (DEBTOR | THIRD_PARTY), by { kind: COLLECTOR | EXECUTOR, id }, localDate }
 *   (the debtor's outcome DISPUTE or COMPLAINT is also a dispute / complaint, keyed by the attempt id)
 * - PromiseToPayRecorded { caseId, promiseId, amount, dueOn, promisedOn }
 * - PromiseKept { caseId, promiseId, keptOn }; PromiseBroken { caseId, promiseId, brokenOn }
 * - PromiseReopened { caseId, promiseId, reopenedOn, cause { eventId } } (kept on a payment Loans reversed)
 * - CaseOnHold { caseId, holdId, reason, since } (reason DISPUTE or COMPLAINT, keyed by the hold id,
 *   which Collection sets to the attempt id when the hold came from a contact outcome)
 * - CaseClosed { caseId, reason: CURED | PAID_OFF | RESTRUCTURED | WRITTEN_OFF, closedOn }
 * Stream `collection.outreach-<trackId>` (libs/collection/src/domain/outreach.ts):
 * - OutreachStarted { trackId, loanId, customerId, dueDate, startedOn, plan.strategy { strategyId, version, variant } | null }
 */
export const COLLECTION_EVENT_TYPES = [
  'CaseOpened',
  'CaseAssigned',
  'CaseReassigned',
  'CaseEscalated',
  'CaseDeescalated',
  'ContactAttempted',
  'PromiseToPayRecorded',
  'PromiseKept',
  'PromiseBroken',
  'PromiseReopened',
  'CaseOnHold',
  'CaseClosed',
  'OutreachStarted',
] as const;

const DISPUTE_OUTCOMES: Record<string, 'DISPUTE' | 'COMPLAINT'> = { DISPUTE: 'DISPUTE', COMPLAINT: 'COMPLAINT' };

function stage(value: unknown): Stage | null {
  return typeof value === 'string' && (STAGES as readonly string[]).includes(value) ? (value as Stage) : null;
}

function strategyOf(d: Data) {
  const nested = (d.plan as Data | undefined)?.strategy as Data | null | undefined;
  const s = nested ?? (d.strategy as Data | null | undefined) ?? null;
  const strategyId = str(s?.strategyId) ?? str(d.strategyId);
  const version = num(s?.version) ?? num(s?.strategyVersion) ?? num(d.strategyVersion);
  const variant = str(s?.variant) ?? str(d.variant);
  return strategyId && version !== null && variant ? { strategyId, strategyVersion: version, variant } : null;
}

export function fromCollection(event: RecordedEvent): ObservationDraft[] {
  const d = dataOf(event);
  const base = { sourceEventId: event.eventId };
  const caseId = entityId(event, 'caseId');
  switch (event.type) {
    case 'CaseOpened': {
      const loanId = str(d.loanId);
      const customerId = str(d.customerId);
      if (!loanId || !customerId) return [];
      return [
        {
          ...base,
          kind: 'CaseOpened',
          on: dateOf(event, 'openedOn', 'asOf'),
          caseId,
          loanId,
          customerId,
          strategy: strategyOf(d),
          grade: str(d.grade),
          stage: stage(d.stage),
          collectorId: str(d.collectorId),
          overdue: num(d.overdueAmount) ?? 0,
        },
      ];
    }
    case 'CaseAssigned':
    case 'CaseReassigned': {
      const collectorId = str(d.collectorId) ?? str(d.to);
      return collectorId ? [{ ...base, kind: 'CaseAssigned', on: null, caseId, collectorId }] : [];
    }
    case 'CaseEscalated':
    case 'CaseDeescalated': {
      const to = stage(d.to) ?? stage(d.stage);
      return to ? [{ ...base, kind: 'CaseStageChanged', on: dateOf(event, 'asOf'), caseId, stage: to }] : [];
    }
    case 'ContactAttempted': {
      const by = (d.by ?? {}) as Data;
      const collectorId = by.kind === 'COLLECTOR' ? str(by.id) : str(d.collectorId);
      const on = dateOf(event, 'localDate', 'attemptedOn');
      const outcome = str(d.outcome) ?? 'UNKNOWN';
      // Who was reached: the debtor unless the attempt names a third party (older events: the debtor).
      const party = d.party === 'THIRD_PARTY' ? 'THIRD_PARTY' : 'DEBTOR';
      const out: ObservationDraft[] = [
        { ...base, kind: 'ContactAttempted', on, caseId, customerId: str(d.customerId), channel: str(d.channel) ?? 'UNKNOWN', outcome, party, collectorId },
      ];
      // A third party's refusal or dispute is theirs: only the debtor's disputes and complaints count (and hold the case).
      const dispute = party === 'DEBTOR' ? DISPUTE_OUTCOMES[outcome] : undefined;
      if (dispute) {
        out.push({
          ...base,
          kind: 'DisputeRaised',
          on,
          disputeKey: `${caseId}#${str(d.attemptId) ?? event.eventId}`,
          caseId,
          customerId: str(d.customerId),
          type: dispute,
        });
      }
      return out;
    }
    case 'PromiseToPayRecorded': {
      const promiseId = str(d.promiseId);
      if (!promiseId) return [];
      return [
        { ...base, kind: 'PromiseMade', on: dateOf(event, 'promisedOn'), caseId, promiseId, amount: num(d.amount) ?? 0, dueOn: str(d.dueOn) ?? str(d.dueDate) },
      ];
    }
    case 'PromiseKept':
    case 'PromiseBroken': {
      const promiseId = str(d.promiseId);
      if (!promiseId) return [];
      const kept = event.type === 'PromiseKept';
      return [
        { ...base, kind: 'PromiseResolved', on: dateOf(event, kept ? 'keptOn' : 'brokenOn', 'on'), caseId, promiseId, customerId: str(d.customerId), kept },
      ];
    }
    case 'PromiseReopened': {
      const promiseId = str(d.promiseId);
      const cause = (d.cause ?? {}) as Data;
      return promiseId ? [{ ...base, kind: 'PromiseReopened', on: dateOf(event, 'reopenedOn'), caseId, promiseId, causeEventId: str(cause.eventId) }] : [];
    }
    case 'CaseOnHold': {
      const dispute = DISPUTE_OUTCOMES[str(d.reason) ?? ''];
      if (!dispute) return [];
      return [
        {
          ...base,
          kind: 'DisputeRaised',
          on: dateOf(event, 'since'),
          disputeKey: `${caseId}#${str(d.holdId) ?? event.eventId}`,
          caseId,
          customerId: str(d.customerId),
          type: dispute,
        },
      ];
    }
    case 'OutreachStarted': {
      const loanId = str(d.loanId);
      const customerId = str(d.customerId);
      const dueDate = dateOf(event, 'dueDate');
      if (!loanId || !customerId || !dueDate) return [];
      return [
        {
          ...base,
          kind: 'OutreachStarted',
          on: dateOf(event, 'startedOn'),
          trackId: entityId(event, 'trackId'),
          loanId,
          customerId,
          dueDate,
          strategy: strategyOf(d),
        },
      ];
    }
    case 'CaseClosed':
      return [{ ...base, kind: 'CaseClosed', on: dateOf(event, 'closedOn'), caseId, reason: str(d.reason) ?? 'UNKNOWN' }];
    default:
      return [];
  }
}
