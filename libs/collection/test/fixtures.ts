import { fold } from '#kernel';
import { localTimeOf } from '../src/domain/contact-rules.js';
import {
  DEFAULT_ADJUSTMENT_LIMITS,
  DEFAULT_CONTACT_RULES,
  DEFAULT_PROMISE_TERMS,
  caseDecider,
  defaultPerformer,
  type ActiveStrategyVersion,
  type AttemptContact,
  type CaseEvent,
  type CaseState,
  type Certification,
  type Channel,
  type ContactAttemptData,
  type LadderStep,
  type LogContact,
  type OpenCaseCommand,
  type Purpose,
  type ResolvedStrategy,
  type StrategyDefinition,
} from '../src/domain/index.js';

export const CASE = 'L1-E1';
export const LOAN = 'L1';
export const CUSTOMER = 'cust-1';
export const TZ = 'Asia/Shanghai';
export const OPENED = '2025-03-02';

export function step(stepId: string, when: LadderStep['when'], channel: Channel, purpose: Purpose, extra: Partial<LadderStep> = {}): LadderStep {
  return {
    stepId,
    when,
    channel,
    purpose,
    templateId: `tpl-${stepId}`,
    requiredCertification: null,
    priority: 5,
    performer: defaultPerformer(channel),
    ...extra,
  };
}

/** M1 ladder: SMS reminder on day 1, call on day 3, education email on day 5, SMS on day 7, demand letter on day 20. */
export const M1_LADDER: LadderStep[] = [
  step('sms-1', { dpdDay: 1 }, 'SMS', 'REMINDER', { priority: 3 }),
  step('call-3', { dpdDay: 3 }, 'CALL', 'NEGOTIATION', { priority: 1 }),
  step('edu-5', { dpdDay: 5 }, 'EMAIL', 'EDUCATION'),
  step('sms-7', { dpdDay: 7 }, 'SMS', 'REMINDER', { priority: 3 }),
  step('letter-20', { dpdDay: 20 }, 'LETTER', 'DEMAND', { priority: 2 }),
];

export const M2_LADDER: LadderStep[] = [
  step('call-31', { dpdDay: 31 }, 'CALL', 'DEMAND', { priority: 1, requiredCertification: 'NEGOTIATION_ADVANCED' }),
  step('visit-45', { dpdDay: 45 }, 'FIELD_VISIT', 'NEGOTIATION', { priority: 1, requiredCertification: 'FIELD' }),
];

export function definition(overrides: Partial<StrategyDefinition> = {}): StrategyDefinition {
  return {
    keys: [{ grade: 'C', stage: 'M1' }],
    champion: M1_LADDER,
    challenger: null,
    promiseTerms: DEFAULT_PROMISE_TERMS,
    adjustmentLimits: DEFAULT_ADJUSTMENT_LIMITS,
    ...overrides,
  };
}

export function resolved(ladder: LadderStep[] = M1_LADDER, strategyId = 'std-C', version = 1, extra: Partial<ResolvedStrategy> = {}): ResolvedStrategy {
  return {
    ref: { strategyId, version, variant: 'champion' },
    ladder,
    promiseTerms: DEFAULT_PROMISE_TERMS,
    adjustmentLimits: DEFAULT_ADJUSTMENT_LIMITS,
    ...extra,
  };
}

export function catalogEntry(
  strategyId: string,
  version: number,
  effectiveFrom: string,
  activationSeq: number,
  def: StrategyDefinition = definition(),
): ActiveStrategyVersion {
  return { strategyId, version, effectiveFrom, activationSeq, definition: def };
}

export function openCase(overrides: Partial<OpenCaseCommand['data']> = {}): OpenCaseCommand {
  return {
    type: 'OpenCase',
    data: {
      caseId: CASE,
      loanId: LOAN,
      customerId: CUSTOMER,
      timeZone: TZ,
      grade: 'C',
      stage: 'M1',
      dpd: 1,
      overdueAmount: 103_000,
      oldestUnpaidDueDate: '2025-03-01',
      asOf: OPENED,
      strategy: resolved(),
      nextDueDate: '2025-04-01',
      ...overrides,
    },
  };
}

/** The events an accepted command produced on a state (throws on a domain error). */
export function run(state: CaseState, command: Parameters<typeof caseDecider.decide>[0]): CaseEvent[] {
  const result = caseDecider.decide(command, state);
  if (!Array.isArray(result)) throw new Error(`unexpected error ${(result as { code: string }).code}`);
  return [...result];
}

/** Applies commands in order from the initial state; returns every event and the final state. */
export function history(...commands: Parameters<typeof caseDecider.decide>[0][]): { events: CaseEvent[]; state: CaseState } {
  let state = caseDecider.initialState();
  const events: CaseEvent[] = [];
  for (const c of commands) {
    const produced = run(state, c);
    events.push(...produced);
    state = fold(caseDecider.evolve, state, produced);
  }
  return { events, state };
}

export const BASIC: Record<string, Certification> = {
  COLLECTION_BASIC: { certification: 'COLLECTION_BASIC', courseId: 'basic-101', grantedOn: '2025-01-01', expiresOn: '2026-01-01' },
};

/**
 * A contact attempt by collector c-1 at 10:00 Shanghai time on the opening day, cleared by the
 * ledger, reported on the business day it happened (the local date of `at`) unless `businessDate` says otherwise.
 */
export function attempt(
  overrides: Partial<ContactAttemptData> = {},
  extra: Partial<Omit<AttemptContact['data'], keyof ContactAttemptData>> = {},
): AttemptContact {
  const at = overrides.at ?? '2025-03-02T02:00:00Z';
  return {
    type: 'AttemptContact',
    data: {
      caseId: CASE,
      attemptId: 'att-1',
      actionId: null,
      channel: 'CALL',
      outcome: 'RIGHT_PARTY_CONTACT',
      at,
      businessDate: Number.isNaN(Date.parse(at)) ? OPENED : localTimeOf(at, TZ).date,
      by: { kind: 'COLLECTOR', id: 'c-1' },
      party: 'DEBTOR',
      thirdPartyContactId: null,
      debtDisclosed: false,
      visitId: null,
      promise: null,
      recordingRef: null,
      accompaniedBy: [],
      identified: false,
      rules: DEFAULT_CONTACT_RULES,
      collectorCertifications: BASIC,
      debtorVerdict: { cleared: true },
      ...overrides,
      ...extra,
    } as AttemptContact['data'],
  };
}

/** A right-party voice call of the case logged on the debtor's ledger at an instant. */
export function logCall(attemptId: string, at: string, extra: Partial<LogContact['data']> = {}): LogContact {
  return {
    type: 'LogContact',
    data: {
      customerId: CUSTOMER,
      timeZone: 'Asia/Shanghai',
      attemptId,
      caseId: CASE,
      channel: 'CALL',
      party: 'DEBTOR',
      thirdPartyContactId: null,
      debtDisclosed: false,
      outcome: 'RIGHT_PARTY_CONTACT',
      at,
      rules: DEFAULT_CONTACT_RULES,
      ...extra,
    },
  };
}

export function types(events: readonly { type: string }[]): string[] {
  return events.map((e) => e.type);
}
