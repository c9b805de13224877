import type { LoanEvent } from '#loans';
import type { ActivePolicy, CustomerState, Trigger } from '../src/domain/customer.js';
import { DEFAULT_POLICY } from '../src/domain/default-policy.js';
import type { LoanRecord } from '../src/domain/loan-facts.js';
import type { PolicyDocument, ProfileFacts } from '../src/domain/scorecard.js';

export const POLICY: ActivePolicy = { policyId: 'consumer-2026', version: 1, document: DEFAULT_POLICY };

export function policyWith(change: (doc: PolicyDocument) => PolicyDocument, version = 2, policyId = 'consumer-2026b'): ActivePolicy {
  return { policyId, version, document: change(structuredClone(DEFAULT_POLICY) as PolicyDocument) };
}

export const PROFILE: ProfileFacts = {
  bureauScore: 650,
  monthlyIncome: 1_000_000,
  monthlyObligations: 350_000,
  flags: { activeDispute: false, deceased: false, suspectedFraud: false },
};

/** A loan record as the regrader folds it; performing unless overridden. */
export function loan(overrides: Partial<LoanRecord> = {}): LoanRecord {
  return {
    loanId: 'L1',
    customerId: 'C1',
    principal: 300_000,
    principalPaid: 0,
    disbursementDate: '2025-01-15',
    paidOff: false,
    delinquent: false,
    dpd: 0,
    dpdAsOf: '2025-01-15',
    overdueAmount: 0,
    episodes: [],
    overduePayments: [],
    restructurings: [],
    payments: {},
    lastEventDate: '2025-01-15',
    ...overrides,
  };
}

/** A loan past due since `since` (reported on `asOf` with the DPD then). */
export function delinquentLoan(dpd: number, asOf: string, overrides: Partial<LoanRecord> = {}): LoanRecord {
  const start = new Date(Date.parse(`${asOf}T00:00:00Z`) - (dpd - 1) * 86_400_000).toISOString().slice(0, 10);
  return loan({
    delinquent: true,
    dpd,
    dpdAsOf: asOf,
    overdueAmount: 103_000,
    episodes: [{ start, end: null, maxDpd: dpd }],
    lastEventDate: asOf,
    ...overrides,
  });
}

let positions = 100;
/** A trigger with a position later than every earlier one. */
export function trigger(type = 'LoanBecameDelinquent'): Trigger {
  positions += 1;
  return { type, eventId: `00000000-0000-4000-8000-${String(positions).padStart(12, '0')}`, position: `${positions}/${positions}` };
}

export function state(partial: Partial<CustomerState> = {}): CustomerState {
  return { customerId: 'C1', facts: { profile: PROFILE, promises: [], restructurings: {} }, graded: null, ...partial };
}

export const registered = (overrides: Partial<Extract<LoanEvent, { type: 'LoanRegistered' }>['data']> = {}): LoanEvent => ({
  type: 'LoanRegistered',
  data: {
    loanId: 'L1',
    customerId: 'C1',
    productCode: 'CASH-3M',
    principal: 300_000,
    annualRateBps: 1200,
    termMonths: 3,
    disbursementDate: '2025-01-15',
    timeZone: 'Asia/Shanghai',
    schedule: [
      { seq: 1, dueDate: '2025-02-15', principal: 100_000, interest: 3_000 },
      { seq: 2, dueDate: '2025-03-15', principal: 100_000, interest: 2_000 },
      { seq: 3, dueDate: '2025-04-15', principal: 100_000, interest: 1_000 },
    ],
    product: {
      waterfall: { order: ['penalty', 'interest', 'principal'], sweep: 'installment' },
      penaltyAnnualRateBps: null,
      holdDaysCountTowardDpd: true,
      stageBoundaries: { M0: 0, M1: 30, M2: 60, M3: 90, M4: 120, M5: 150, M6: 180 },
    },
    registeredOn: '2025-01-15',
    ...overrides,
  },
});
