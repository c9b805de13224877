import { Injectable } from '@nestjs/common';
import type { z } from 'zod';
import { isDomainError, type DomainError } from '#kernel';
import { fields } from '#platform';
import { rejected, rejectedBy, type InboundHandler, type InboundMessage, type InboundOutcome } from '#messaging';
import { EndOfDay } from '../application/end-of-day.js';
import { LoanCommandHandlers, type Intake, type LoanCall } from '../application/loan-commands.js';
import { CloseBusinessDayBody, PaymentBody, RegisterLoanBody, ReversalBody, registerLoanInput } from './dto.js';

/**
 * Core banking on Kafka: `core-banking.loans.v1` carries the facts core banking records about the
 * loans it mirrors into Arrears. Each message type (CloudEvents `type`) is the Kafka form of one
 * Loans HTTP command and is validated with that route's request schema:
 *
 * | `type`                            | data                                   | same as                                  |
 * |-----------------------------------|----------------------------------------|------------------------------------------|
 * | `core-banking.LoanRegistered`     | the RegisterLoan body                  | `POST /loans/accounts`                   |
 * | `core-banking.PaymentReceived`    | `loanId` + the payment body            | `POST /loans/accounts/:loanId/payments`  |
 * | `core-banking.PaymentReversed`    | `loanId`, `reference` + the reversal   | `POST .../payments/:reference/reversal`  |
 * | `core-banking.BusinessDayClosed`  | the close body (`businessDate`)        | `POST /loans/calendar/close`             |
 *
 * Messages about one loan are keyed by its loan id (so they stay in order on one partition); a
 * key that names another loan is refused. The message id (CloudEvents `id`) is the command's
 * idempotency key: a redelivered message appends nothing. A message whose data does not match,
 * whose type is unknown, or that a business rule refuses (unknown loan, a day closed out of turn,
 * the calendar not started...) is refused with the rule's code and goes to the dead-letter topic.
 */
export const CORE_BANKING_LOANS_TOPIC = 'core-banking.loans.v1';

export const CORE_BANKING_TYPES = {
  loanRegistered: 'core-banking.LoanRegistered',
  paymentReceived: 'core-banking.PaymentReceived',
  paymentReversed: 'core-banking.PaymentReversed',
  businessDayClosed: 'core-banking.BusinessDayClosed',
} as const;

/** The HTTP request schemas, with the loan id (a path parameter over HTTP) in the data. */
export const CoreBankingLoanRegistered = RegisterLoanBody;
export const CoreBankingPaymentReceived = PaymentBody.extend({ loanId: fields.id });
export const CoreBankingPaymentReversed = ReversalBody.extend({ loanId: fields.id, reference: PaymentBody.shape.reference });
export const CoreBankingBusinessDayClosed = CloseBusinessDayBody;

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * A consumed message as an intake, recorded as from `kafka:<topic>` (role `service`, as core banking
 * is over HTTP): the message id is the idempotency key and the causation, the sender's correlation
 * id (or the message id) the correlation, and `ce_time` the time the fact occurred.
 */
export function kafkaIntake(message: InboundMessage, now: () => Date = () => new Date()): Intake {
  const time = message.time && RFC3339.test(message.time) && !Number.isNaN(Date.parse(message.time)) ? message.time : now().toISOString();
  return {
    actor: { id: `kafka:${message.topic}`, role: 'service' },
    receivedAt: time,
    correlationId: message.correlationId ?? message.id,
    causationId: message.id,
    idempotencyKey: message.id,
    source: `kafka:${message.topic}`,
  };
}

type Parsed<S extends z.ZodType> = { ok: true; data: z.infer<S> } | { ok: false; outcome: InboundOutcome };

function parse<S extends z.ZodType>(schema: S, message: InboundMessage): Parsed<S> {
  const parsed = schema.safeParse(message.data);
  if (parsed.success) return { ok: true, data: parsed.data };
  return {
    ok: false,
    outcome: rejected('VALIDATION_FAILED', `the message data does not match ${message.type}`, {
      errors: parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
    }),
  };
}

/** A loan message on another loan's key could overtake that loan's earlier facts: refused. */
function keyMismatch(message: InboundMessage, loanId: string): InboundOutcome | null {
  if (message.key === null || message.key === loanId) return null;
  return rejected('MESSAGE_KEY_MISMATCH', `a message about loan ${loanId} must be keyed by its loan id, not ${JSON.stringify(message.key)}`, {
    key: message.key,
    loanId,
  });
}

@Injectable()
export class CoreBankingLoansHandler implements InboundHandler {
  constructor(
    private readonly handlers: LoanCommandHandlers,
    private readonly endOfDay: EndOfDay,
  ) {}

  async handle(message: InboundMessage): Promise<InboundOutcome> {
    const intake = kafkaIntake(message);
    switch (message.type) {
      case CORE_BANKING_TYPES.loanRegistered: {
        const p = parse(CoreBankingLoanRegistered, message);
        if (!p.ok) return p.outcome;
        return keyMismatch(message, p.data.loanId) ?? this.run(await this.handlers.registerLoan(registerLoanInput(p.data), intake));
      }
      case CORE_BANKING_TYPES.paymentReceived: {
        const p = parse(CoreBankingPaymentReceived, message);
        if (!p.ok) return p.outcome;
        const { loanId, ...payment } = p.data;
        return keyMismatch(message, loanId) ?? this.run(await this.handlers.postPayment(loanId, payment, intake));
      }
      case CORE_BANKING_TYPES.paymentReversed: {
        const p = parse(CoreBankingPaymentReversed, message);
        if (!p.ok) return p.outcome;
        const { loanId, reference, reason } = p.data;
        return keyMismatch(message, loanId) ?? this.run(await this.handlers.reversePayment(loanId, { reference, reason }, intake));
      }
      case CORE_BANKING_TYPES.businessDayClosed: {
        const p = parse(CoreBankingBusinessDayClosed, message);
        if (!p.ok) return p.outcome;
        return this.closeDay(p.data.businessDate, intake);
      }
      default:
        return rejected(
          'UNKNOWN_MESSAGE_TYPE',
          message.type === undefined
            ? `messages on ${message.topic} need a CloudEvents type (${Object.values(CORE_BANKING_TYPES).join(', ')})`
            : `no command for message type ${message.type}`,
        );
    }
  }

  private async run(call: LoanCall | DomainError): Promise<InboundOutcome> {
    const result = await this.handlers.dispatch(call);
    return isDomainError(result) ? rejectedBy(result) : 'ok';
  }

  /** Closes the business date and starts its end of day, as `POST /loans/calendar/close` does. */
  private async closeDay(businessDate: string, intake: Intake): Promise<InboundOutcome> {
    const closed = await this.endOfDay.close(businessDate, intake);
    if (isDomainError(closed)) return rejectedBy(closed);
    // Also after a redelivery: the run resumes if it was interrupted, and is a no-op once completed.
    await this.endOfDay.start(businessDate);
    return 'ok';
  }
}
