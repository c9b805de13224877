import { domainError, fourEyes, isBusinessDate, type Actor, type BusinessDate, type Decider, type DomainEvent } from '#kernel';
import { DEFAULT_RESTRUCTURING_POLICY, policyProblem, type RestructuringPolicy } from './policy.js';

/**
 * The book of restructuring policies (stream `restructuring.policy-book`), under maker-checker as
 * grading policies are: a risk manager proposes a new version; a different risk manager approves
 * it, and from then on it is in force (assessments apply the current one and copy it onto their
 * events). A version number is never reused (a proposal reserves it), so a version always names the
 * same rules. The maker cannot approve their own proposal (MAKER_CANNOT_CHECK, the code Grading's
 * policies use). Books written before the maker-checker hold RestructuringPolicyPublished events
 * without `approvedBy`; they stay readable and in force.
 */

export const POLICY_BOOK_STREAM = 'restructuring.policy-book';

type RestructuringPolicyProposed = DomainEvent<
  'RestructuringPolicyProposed',
  { readonly policy: RestructuringPolicy; readonly proposedBy: string; readonly proposedOn: BusinessDate }
>;

type RestructuringPolicyPublished = DomainEvent<
  'RestructuringPolicyPublished',
  {
    readonly policy: RestructuringPolicy;
    /** The maker (who proposed the version). */
    readonly publishedBy: string;
    readonly publishedOn: BusinessDate;
    /** The checker, never the maker (absent on versions published before the maker-checker). */
    readonly approvedBy?: string;
  }
>;

export type PolicyBookEvent = RestructuringPolicyProposed | RestructuringPolicyPublished;

export type ProposePolicy = {
  readonly type: 'ProposePolicy';
  readonly data: { readonly policy: RestructuringPolicy; readonly proposedBy: Actor; readonly businessDate: BusinessDate };
};
export type ApprovePolicy = {
  readonly type: 'ApprovePolicy';
  readonly data: { readonly version: string; readonly approvedBy: Actor; readonly businessDate: BusinessDate };
};
export type PolicyBookCommand = ProposePolicy | ApprovePolicy;

export interface PolicyBook {
  /** The policy in force; the built-in default until one is published. */
  readonly current: RestructuringPolicy;
  /** Every version published or proposed: none is ever reused. */
  readonly versions: readonly string[];
  /** Proposed versions waiting for a second risk manager. */
  readonly pending: Readonly<Record<string, { readonly policy: RestructuringPolicy; readonly proposedBy: string; readonly proposedOn: BusinessDate }>>;
  /** Who approved each published version. */
  readonly approvedBy: Readonly<Record<string, string>>;
}

const badDate = (businessDate: BusinessDate) =>
  isBusinessDate(businessDate) ? null : domainError('INVALID_DATE', 'businessDate must be a calendar date (YYYY-MM-DD)', { businessDate });

const notRiskManager = (actor: Actor, what: string) =>
  actor.role === 'risk_manager'
    ? null
    : domainError('RISK_MANAGER_REQUIRED', `only a risk manager ${what} restructuring policy`, { role: actor.role }, 'forbidden');

export const policyBookDecider: Decider<PolicyBookCommand, PolicyBookEvent, PolicyBook> = {
  initialState: () => ({ current: DEFAULT_RESTRUCTURING_POLICY, versions: [DEFAULT_RESTRUCTURING_POLICY.version], pending: {}, approvedBy: {} }),
  evolve(book, event) {
    if (event.type === 'RestructuringPolicyProposed') {
      const { policy, proposedBy, proposedOn } = event.data;
      return { ...book, versions: [...book.versions, policy.version], pending: { ...book.pending, [policy.version]: { policy, proposedBy, proposedOn } } };
    }
    const { policy, approvedBy } = event.data;
    const { [policy.version]: _approved, ...pending } = book.pending;
    return {
      current: policy,
      versions: book.versions.includes(policy.version) ? book.versions : [...book.versions, policy.version],
      pending,
      approvedBy: approvedBy ? { ...book.approvedBy, [policy.version]: approvedBy } : book.approvedBy,
    };
  },
  decide(command, book) {
    const d = command.data;
    const refused = badDate(d.businessDate);
    if (refused) return refused;
    if (command.type === 'ProposePolicy') {
      const { policy, proposedBy } = command.data;
      const role = notRiskManager(proposedBy, 'proposes');
      if (role) return role;
      const problem = policyProblem(policy);
      if (problem) return domainError('INVALID_POLICY', problem, { version: policy.version });
      if (book.versions.includes(policy.version)) {
        return domainError(
          'POLICY_VERSION_EXISTS',
          `policy version ${policy.version} was already proposed or published; a version always names the same rules`,
          { version: policy.version },
          'conflict',
        );
      }
      return [{ type: 'RestructuringPolicyProposed', data: { policy, proposedBy: proposedBy.id, proposedOn: command.data.businessDate } }];
    }
    const { version, approvedBy } = command.data;
    const role = notRiskManager(approvedBy, 'approves');
    if (role) return role;
    if (book.approvedBy[version] === approvedBy.id) return []; // the same approval again
    const proposal = book.pending[version];
    if (!proposal)
      return domainError(
        'POLICY_VERSION_NOT_PROPOSED',
        `no proposed restructuring policy version ${version} is waiting for approval`,
        { version },
        'not_found',
      );
    const sameHands = fourEyes(approvedBy.id, [proposal.proposedBy], 'the risk manager who proposed a version cannot approve it', {
      version,
      proposedBy: proposal.proposedBy,
    });
    if (sameHands) return sameHands;
    return [
      {
        type: 'RestructuringPolicyPublished',
        data: { policy: proposal.policy, publishedBy: proposal.proposedBy, publishedOn: command.data.businessDate, approvedBy: approvedBy.id },
      },
    ];
  },
};
