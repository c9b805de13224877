import { Injectable } from '@nestjs/common';
import { z } from 'zod';
import { isDomainError } from '#kernel';
import { fields } from '#platform';
import { rejected, rejectedBy, type InboundHandler, type InboundMessage, type InboundOutcome } from '#messaging';
import { PlacementService } from '../application/placement.service.js';
import { AgencyContactBody } from './schemas.js';

/**
 * Agencies' outcomes over Kafka: an agency's own system reports its contacts on
 * `arrears.agency-outcomes.v1` (each agency producing under its own credentials; the topic's ACL
 * names who may write). A message is the HTTP contact body plus the agency and the case, with the
 * message id as the attempt id and idempotency key; the same validation, the same placement scope,
 * the same agent certification and the same Collection contact rules as over HTTP. A malformed
 * message, a case not placed with the agency and an uncertified agent go to the dead-letter topic;
 * a contact rule's refusal is recorded on the case (ContactBlocked) and handled, as for channel
 * executors.
 */
export const AGENCY_OUTCOMES_TOPIC = 'arrears.agency-outcomes.v1';
export const AGENCY_OUTCOME_TYPE = 'arrears.agencies.AgencyContactReported';

const AgencyOutcomeData = AgencyContactBody.omit({ attemptId: true, at: true }).extend({
  agencyId: fields.id,
  caseId: fields.id,
  occurredAt: z.iso.datetime({ offset: true }),
});

@Injectable()
export class AgencyOutcomesHandler implements InboundHandler {
  constructor(private readonly placements: PlacementService) {}

  async handle(message: InboundMessage): Promise<InboundOutcome> {
    if (message.type !== undefined && message.type !== AGENCY_OUTCOME_TYPE)
      return rejected('UNKNOWN_MESSAGE_TYPE', `no command for message type ${message.type}`);
    const parsed = AgencyOutcomeData.safeParse(message.data);
    if (!parsed.success) {
      return rejected('VALIDATION_FAILED', `the message data does not match ${AGENCY_OUTCOME_TYPE}`, {
        errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    }
    const { agencyId, caseId, occurredAt, ...report } = parsed.data;
    const at = new Date(occurredAt).toISOString();
    const outcome = await this.placements.agencyContact(
      agencyId,
      caseId,
      { ...report, attemptId: message.id, at },
      {
        command: 'AttemptContact',
        actor: { id: agencyId, role: 'agency' },
        occurredAt: at,
        correlationId: message.correlationId ?? message.id,
        causationId: message.id,
        idempotencyKey: message.id,
        extra: { via: 'kafka', topic: message.topic },
      },
    );
    return isDomainError(outcome) ? rejectedBy(outcome) : 'ok';
  }
}
