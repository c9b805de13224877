import { pick, type RecordedEvent } from '#kernel';
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

/** The profile facts Grading's contract carries (the early-warning inputs). */
const PUBLISHED_PROFILE_FACTS: ReadonlySet<string> = new Set(['bureauScore', 'monthlyIncome']);

type Published = { key: string; data: unknown } | null;

/** Per published type: the stream category it is published from, and its key and data there. */
const CONTRACTS: Record<string, { readonly stream: string; readonly publish: (data: never) => Published }> = {
  CustomerGraded: {
    stream: 'grading.customer-',
    publish: (d: CustomerGraded['data']) => ({
      key: d.customerId,
      data: {
        ...pick(d, ['customerId', 'grade', 'previousGrade', 'score']),
        overridden: d.override !== null,
        ...pick(d, ['policyId', 'policyVersion', 'asOf', 'triggerType']),
        ...(d.restatement ? { restatement: d.restatement } : {}),
      },
    }),
  },
  LoanClassified: {
    stream: 'grading.loan-',
    publish: (d: LoanClassified['data']) => ({
      key: d.loanId,
      data: pick(d, ['loanId', 'customerId', 'category', 'previous', 'rule', 'rulesVersion', 'dpd', 'observation', 'asOf']),
    }),
  },
  CustomerProfileUpdated: {
    stream: 'grading.customer-',
    publish: (d: CustomerProfileUpdated['data']) => {
      const changed = d.changed.filter((fact) => PUBLISHED_PROFILE_FACTS.has(fact));
      if (!changed.length) return null;
      return {
        key: d.customerId,
        data: { customerId: d.customerId, ...pick(d.facts, ['bureauScore', 'monthlyIncome']), changed, ...pick(d, ['source', 'asOf']) },
      };
    },
  },
};

function contract(event: RecordedEvent): Published {
  const published = CONTRACTS[event.type];
  return published && event.streamId.startsWith(published.stream) ? published.publish(event.data as never) : null;
}

export const gradingIntegrationEvents: IntegrationMapper[] = [
  {
    eventTypes: Object.keys(CONTRACTS),
    topic: GRADING_TOPIC,
    map(event) {
      const mapped = contract(event);
      return mapped ? { key: mapped.key, type: `arrears.grading.${event.type}`, data: mapped.data } : null;
    },
  },
];
