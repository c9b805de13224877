import type { RecordedEvent } from '#kernel';
import type { IntegrationMapper } from '#messaging';
import type { CustomerGraded, CustomerProfileUpdated } from '../domain/customer.js';
import type { LoanClassified } from '../domain/loan-classification.js';

/**
 * Grading on Kafka: `arrears.grading.v1`, CloudEvents type `arrears.grading.<EventType>`.
 * - CustomerGraded, keyed by customer id: the grade, the previous grade, the score and the policy
 *   version that produced it. Not published: the factor contributions (they restate the customer's
 *   bureau score, income and obligations) and which override flag applied (a flag such as deceased
 *   is itself sensitive); consumers see only that an override decided the grade.
 * - LoanClassified, keyed by loan id: the five-category classification with its rule, the rules
 *   version and the restructuring observation period, if any.
 * - CustomerProfileUpdated, keyed by customer id, when a report changed the customer's bureau score
 *   or monthly income (fen): those two figures after it, which of them changed, who reported them
 *   and the business date. Early warnings watch both for drops (Monitoring's INCOME_DROP and
 *   BUREAU_SCORE_DROP), in-process and downstream alike. The other profile facts (monthly
 *   obligations, the override flags such as deceased or fraud) stay internal, and an update that
 *   changed only those is not published.
 * Policy and ruleset drafts, approvals and activations are internal governance and stay in Arrears.
 */
export const GRADING_TOPIC = 'arrears.grading.v1';

function contract(event: RecordedEvent): { key: string; data: unknown } | null {
  if (event.type === 'CustomerGraded' && event.streamId.startsWith('grading.customer-')) {
    const d = (event as unknown as CustomerGraded).data;
    return {
      key: d.customerId,
      data: {
        customerId: d.customerId,
        grade: d.grade,
        previousGrade: d.previousGrade,
        score: d.score,
        overridden: d.override !== null,
        policyId: d.policyId,
        policyVersion: d.policyVersion,
        asOf: d.asOf,
        triggerType: d.triggerType,
        ...(d.restatement ? { restatement: d.restatement } : {}),
      },
    };
  }
  if (event.type === 'LoanClassified' && event.streamId.startsWith('grading.loan-')) {
    const d = (event as unknown as LoanClassified).data;
    return {
      key: d.loanId,
      data: {
        loanId: d.loanId,
        customerId: d.customerId,
        category: d.category,
        previous: d.previous,
        rule: d.rule,
        rulesVersion: d.rulesVersion,
        dpd: d.dpd,
        observation: d.observation,
        asOf: d.asOf,
      },
    };
  }
  if (event.type === 'CustomerProfileUpdated' && event.streamId.startsWith('grading.customer-')) {
    const d = (event as unknown as CustomerProfileUpdated).data;
    const changed = d.changed.filter((fact) => PUBLISHED_PROFILE_FACTS.has(fact));
    if (!changed.length) return null;
    return {
      key: d.customerId,
      data: { customerId: d.customerId, bureauScore: d.facts.bureauScore, monthlyIncome: d.facts.monthlyIncome, changed, source: d.source, asOf: d.asOf },
    };
  }
  return null;
}

/** The profile facts Grading's contract carries (the early-warning inputs). */
const PUBLISHED_PROFILE_FACTS: ReadonlySet<string> = new Set(['bureauScore', 'monthlyIncome']);

export const gradingIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: ['CustomerGraded', 'LoanClassified', 'CustomerProfileUpdated'],
    topic: GRADING_TOPIC,
    map(event) {
      const mapped = contract(event);
      return mapped ? { key: mapped.key, type: `arrears.grading.${event.type}`, data: mapped.data } : null;
    },
  },
];
