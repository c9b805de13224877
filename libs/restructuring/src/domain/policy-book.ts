import { domainError, isBusinessDate, type Actor, type BusinessDate, type Decider, type DomainEvent } from '#kernel';
import { DEFAULT_RESTRUCTURING_POLICY, policyProblem, type RestructuringPolicy } from './policy.js';

/**
 * The book of restructuring policies (stream `restructuring.policy-book`): a risk manager publishes
 * a new version; assessments apply the current one and copy it onto their events. A version number
 * is never reused, so a version always names the same rules.
 */

export const POLICY_BOOK_STREAM = 'restructuring.policy-book';

export type RestructuringPolicyPublished = DomainEvent<
  'RestructuringPolicyPublished',
  { readonly policy: RestructuringPolicy; readonly publishedBy: string; readonly publishedOn: BusinessDate }
>;

export type PublishPolicy = { readonly type: 'PublishPolicy'; readonly data: { readonly policy: RestructuringPolicy; readonly publishedBy: Actor; readonly businessDate: BusinessDate } };

export interface PolicyBook {
  /** The policy in force; the built-in default until one is published. */
  readonly current: RestructuringPolicy;
  readonly versions: readonly string[];
}

export const policyBookDecider: Decider<PublishPolicy, RestructuringPolicyPublished, PolicyBook> = {
  initialState: () => ({ current: DEFAULT_RESTRUCTURING_POLICY, versions: [DEFAULT_RESTRUCTURING_POLICY.version] }),
  evolve: (book, event) => ({ current: event.data.policy, versions: [...book.versions, event.data.policy.version] }),
  decide(command, book) {
    const d = command.data;
    if (!isBusinessDate(d.businessDate)) return domainError('INVALID_DATE', 'businessDate must be a calendar date (YYYY-MM-DD)', { businessDate: d.businessDate });
    if (d.publishedBy.role !== 'risk_manager') return domainError('RISK_MANAGER_REQUIRED', 'only a risk manager publishes restructuring policy', { role: d.publishedBy.role }, 'forbidden');
    const problem = policyProblem(d.policy);
    if (problem) return domainError('INVALID_POLICY', problem, { version: d.policy.version });
    if (book.versions.includes(d.policy.version)) {
      return domainError('POLICY_VERSION_EXISTS', `policy version ${d.policy.version} was already published; a version always names the same rules`, { version: d.policy.version }, 'conflict');
    }
    return [{ type: 'RestructuringPolicyPublished', data: { policy: d.policy, publishedBy: d.publishedBy.id, publishedOn: d.businessDate } }];
  },
};
