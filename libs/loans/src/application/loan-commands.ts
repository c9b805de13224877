import { isDomainError, type Actor, type BusinessDate, type DomainError, type Fen } from '#kernel';
import { AggregateRepository, type CommandContext, type CommandResult, type EventStore } from '#eventstore';
import { runCommand, type Metrics } from '#platform';
import {
  loanDecider,
  type ApproveSettlement,
  type ApproveWriteOff,
  type LoanCommand,
  type NewInstallment,
  type ProposeSettlement,
  type RegisterLoan,
  type RejectSettlement,
  type RejectWriteOff,
  type RequestWriteOff,
} from '../domain/loan/decide.js';
import type { LoanEvent, LoanState } from '../domain/loan/events.js';
import type { BusinessCalendar } from './business-calendar.js';
import { loanStream } from './streams.js';

/**
 * Who or what delivered a fact. HTTP and the Kafka intake of core-banking messages build the same
 * commands from it; the upstream message or transaction id (or the HTTP Idempotency-Key) is the
 * idempotency key, so a redelivered message appends nothing and returns the first result.
 */
export interface Intake {
  readonly actor: Actor;
  /** Wall-clock time the fact was received (ISO-8601); recorded as the events' occurredAt. */
  readonly receivedAt: string;
  readonly correlationId?: string;
  readonly causationId?: string;
  readonly idempotencyKey?: string;
  /** Where the fact came from, e.g. `http` or `kafka:core-banking.payments`. */
  readonly source?: string;
}

/** A command ready to run: its stream, the command with its business date, and its context. */
export interface LoanCall {
  readonly streamId: string;
  readonly command: LoanCommand;
  readonly ctx: CommandContext;
}

export type RegisterLoanInput = Omit<RegisterLoan['data'], 'businessDate'>;

export interface PaymentInput {
  readonly reference: string;
  readonly amount: Fen;
  readonly valueDate: BusinessDate;
}

export interface ReversalInput {
  readonly reference: string;
  readonly reason: string;
}

export interface HoldStartInput {
  readonly holdId: string;
  readonly reason: string;
  readonly from: BusinessDate;
}

export interface HoldEndInput {
  readonly holdId: string;
  readonly to: BusinessDate;
}

export interface RestructureInput {
  readonly restructuringId: string;
  readonly effectiveDate: BusinessDate;
  readonly newSchedule: readonly NewInstallment[];
}

export type LoanRepository = AggregateRepository<LoanCommand, LoanEvent, LoanState>;

/**
 * The Loans context's command handlers. Each method turns a fact from any intake into a `LoanCall`
 * dated on the business calendar (or a DomainError when the calendar is not running); HTTP runs it
 * through the platform's `execute` (problem+json), other intakes through `dispatch`: both are the
 * platform's command pipeline (load the stream, decide, append at the loaded revision, metrics).
 */
export class LoanCommandHandlers {
  readonly repository: LoanRepository;

  constructor(
    store: EventStore,
    private readonly calendar: BusinessCalendar,
    private readonly metrics?: Metrics,
  ) {
    this.repository = new AggregateRepository(store, loanDecider);
  }

  async registerLoan(input: RegisterLoanInput, intake: Intake): Promise<LoanCall | DomainError> {
    return this.call(input.loanId, 'RegisterLoan', intake, (businessDate) => ({ type: 'RegisterLoan', data: { ...input, businessDate } }));
  }

  async postPayment(loanId: string, input: PaymentInput, intake: Intake): Promise<LoanCall | DomainError> {
    return this.call(loanId, 'PostPayment', intake, (businessDate) => ({ type: 'PostPayment', data: { loanId, ...input, businessDate } }));
  }

  async reversePayment(loanId: string, input: ReversalInput, intake: Intake): Promise<LoanCall | DomainError> {
    return this.call(loanId, 'ReversePayment', intake, (businessDate) => ({ type: 'ReversePayment', data: { loanId, ...input, businessDate } }));
  }

  async startCollectionHold(loanId: string, input: HoldStartInput, intake: Intake): Promise<LoanCall | DomainError> {
    return this.call(loanId, 'StartCollectionHold', intake, (businessDate) => ({ type: 'StartCollectionHold', data: { loanId, ...input, businessDate } }));
  }

  async endCollectionHold(loanId: string, input: HoldEndInput, intake: Intake): Promise<LoanCall | DomainError> {
    return this.call(loanId, 'EndCollectionHold', intake, (businessDate) => ({ type: 'EndCollectionHold', data: { loanId, ...input, businessDate } }));
  }

  async restructureSchedule(loanId: string, input: RestructureInput, intake: Intake): Promise<LoanCall | DomainError> {
    return this.call(loanId, 'RestructureSchedule', intake, (businessDate) => ({ type: 'RestructureSchedule', data: { loanId, ...input, businessDate } }));
  }

  /** A penalty waiver on the business date (Restructuring's accepted fee waiver). */
  async waivePenalty(loanId: string, input: { waiverId: string; amount: number; reason: string }, intake: Intake): Promise<LoanCall | DomainError> {
    return this.call(loanId, 'WaivePenalty', intake, (businessDate) => ({ type: 'WaivePenalty', data: { loanId, ...input, businessDate } }));
  }

  /** Four-eyes write-off: the intake's actor asks, and a different actor approves or rejects. */
  async requestWriteOff(loanId: string, input: { requestId: string; reason: string }, intake: Intake): Promise<LoanCall | DomainError> {
    return this.byActor<RequestWriteOff>(loanId, 'RequestWriteOff', input, intake);
  }

  async approveWriteOff(loanId: string, requestId: string, intake: Intake): Promise<LoanCall | DomainError> {
    return this.byActor<ApproveWriteOff>(loanId, 'ApproveWriteOff', { requestId }, intake);
  }

  async rejectWriteOff(loanId: string, requestId: string, reason: string, intake: Intake): Promise<LoanCall | DomainError> {
    return this.byActor<RejectWriteOff>(loanId, 'RejectWriteOff', { requestId, reason }, intake);
  }

  /** Four-eyes settlement offer: the intake's actor proposes, and a different actor approves or rejects. */
  async proposeSettlement(
    loanId: string,
    input: { settlementId: string; amount: Fen; dueBy: BusinessDate; reason: string },
    intake: Intake,
  ): Promise<LoanCall | DomainError> {
    return this.byActor<ProposeSettlement>(loanId, 'ProposeSettlement', input, intake);
  }

  async approveSettlement(loanId: string, settlementId: string, intake: Intake): Promise<LoanCall | DomainError> {
    return this.byActor<ApproveSettlement>(loanId, 'ApproveSettlement', { settlementId }, intake);
  }

  async rejectSettlement(loanId: string, settlementId: string, reason: string, intake: Intake): Promise<LoanCall | DomainError> {
    return this.byActor<RejectSettlement>(loanId, 'RejectSettlement', { settlementId, reason }, intake);
  }

  /** Runs a call (or passes on the calendar's refusal) through the command pipeline, for intakes other than HTTP. */
  async dispatch(call: LoanCall | DomainError): Promise<CommandResult<LoanEvent> | DomainError> {
    if (isDomainError(call)) return call;
    return runCommand(this.metrics, this.repository, call.streamId, call.command, call.ctx);
  }

  /** A four-eyes step: the command names the intake's actor as who takes it. */
  private async byActor<C extends RequestWriteOff | ApproveWriteOff | RejectWriteOff | ProposeSettlement | ApproveSettlement | RejectSettlement>(
    loanId: string,
    type: C['type'],
    input: Omit<C['data'], 'loanId' | 'by' | 'businessDate'>,
    intake: Intake,
  ): Promise<LoanCall | DomainError> {
    return this.call(loanId, type, intake, (businessDate) => ({ type, data: { loanId, ...input, by: intake.actor, businessDate } }) as C);
  }

  private async call(loanId: string, name: string, intake: Intake, build: (businessDate: BusinessDate) => LoanCommand): Promise<LoanCall | DomainError> {
    const businessDate = await this.calendar.factDate();
    if (isDomainError(businessDate)) return businessDate;
    return { streamId: loanStream(loanId), command: build(businessDate), ctx: contextOf(name, intake, businessDate) };
  }
}

export function contextOf(command: string, intake: Intake, businessDate: BusinessDate): CommandContext {
  return {
    command,
    actor: intake.actor,
    occurredAt: intake.receivedAt,
    ...(intake.correlationId ? { correlationId: intake.correlationId } : {}),
    ...(intake.causationId ? { causationId: intake.causationId } : {}),
    ...(intake.idempotencyKey ? { idempotencyKey: intake.idempotencyKey } : {}),
    extra: { businessDate, ...(intake.source ? { source: intake.source } : {}) },
  };
}
