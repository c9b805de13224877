import { compareDates, domainError, fourEyes, isBusinessDate, type Actor, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';
import { contactRulesProblem, type ContactRules, type PublishedRules } from './contact-rules.js';
import type { Command } from './model.js';

/**
 * The contact rules book (stream `collection.rules-contact`): every version of the ContactRules
 * the bank proposed, and those in force from a business date. Maker-checker: a risk manager (or an
 * admin) proposes a version, a different one approves it, and only then is it published, from its
 * `effectiveFrom`. Versions are never edited; a change is a new version. (The built-in rulebooks of
 * the 2025 standard and the 2026 guideline are the texts themselves, not proposals: contact-rules.ts.)
 */
export const RULES_BOOK_STREAM = 'collection.rules-contact';

type ContactRulesProposed = DomainEvent<
  'ContactRulesProposed',
  { readonly rules: ContactRules; readonly effectiveFrom: BusinessDate; readonly reason: string; readonly proposedBy: string }
>;
export type ContactRulesPublished = DomainEvent<
  'ContactRulesPublished',
  {
    readonly rules: ContactRules;
    readonly effectiveFrom: BusinessDate;
    readonly reason: string;
    /** Absent on versions published before the checker step. */
    readonly proposedBy?: string;
    readonly approvedBy?: string;
  }
>;
export type RulesBookEvent = ContactRulesProposed | ContactRulesPublished;

interface ProposedRules extends PublishedRules {
  readonly reason: string;
  readonly proposedBy: string;
}

export interface RulesBookState {
  readonly published: readonly PublishedRules[];
  /** Proposals awaiting a second person's approval, by version. */
  readonly proposed: Readonly<Record<string, ProposedRules>>;
}

type ProposeContactRules = Command<
  'ProposeContactRules',
  { readonly rules: ContactRules; readonly effectiveFrom: BusinessDate; readonly businessDate: BusinessDate; readonly reason: string; readonly by: Actor }
>;
type ApproveContactRules = Command<'ApproveContactRules', { readonly version: string; readonly businessDate: BusinessDate; readonly by: Actor }>;
export type RulesBookCommand = ProposeContactRules | ApproveContactRules;

function notBefore(effectiveFrom: BusinessDate, businessDate: BusinessDate): DomainError | null {
  if (compareDates(effectiveFrom, businessDate) >= 0) return null;
  return domainError('EFFECTIVE_DATE_IN_PAST', `contact rules apply from the open business date (${businessDate}) or a later one`, {
    effectiveFrom,
    businessDate,
  });
}

function decidePropose(d: ProposeContactRules['data'], state: RulesBookState): readonly RulesBookEvent[] | DomainError {
  const problem = contactRulesProblem(d.rules);
  if (problem) return problem;
  if (!isBusinessDate(d.effectiveFrom)) return domainError('INVALID_DATE', 'effectiveFrom must be a calendar date', { effectiveFrom: d.effectiveFrom });
  const same = state.published.find((p) => p.rules.version === d.rules.version) ?? state.proposed[d.rules.version];
  if (same) {
    if (JSON.stringify(same.rules) === JSON.stringify(d.rules) && same.effectiveFrom === d.effectiveFrom) return [];
    return domainError(
      'CONTACT_RULES_VERSION_EXISTS',
      `contact rules version ${d.rules.version} was already proposed`,
      { version: d.rules.version },
      'conflict',
    );
  }
  const past = notBefore(d.effectiveFrom, d.businessDate);
  if (past) return past;
  if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'proposing contact rules needs a reason');
  return [{ type: 'ContactRulesProposed', data: { rules: d.rules, effectiveFrom: d.effectiveFrom, reason: d.reason, proposedBy: d.by.id } }];
}

function decideApprove(d: ApproveContactRules['data'], state: RulesBookState): readonly RulesBookEvent[] | DomainError {
  const proposal = state.proposed[d.version];
  if (!proposal) {
    if (state.published.some((p) => p.rules.version === d.version)) return [];
    return domainError('CONTACT_RULES_NOT_PROPOSED', `no proposed contact rules version ${d.version} awaits approval`, { version: d.version }, 'not_found');
  }
  const sameHands = fourEyes(d.by.id, [proposal.proposedBy], 'the person who proposed a rulebook cannot approve it', { proposedBy: proposal.proposedBy });
  if (sameHands) return sameHands;
  // A rulebook is never in force before it was approved: approve by its first day, or propose again.
  const past = notBefore(proposal.effectiveFrom, d.businessDate);
  if (past) return past;
  return [
    {
      type: 'ContactRulesPublished',
      data: { rules: proposal.rules, effectiveFrom: proposal.effectiveFrom, reason: proposal.reason, proposedBy: proposal.proposedBy, approvedBy: d.by.id },
    },
  ];
}

function decideRulesBook(command: RulesBookCommand, state: RulesBookState): readonly RulesBookEvent[] | DomainError {
  return command.type === 'ProposeContactRules' ? decidePropose(command.data, state) : decideApprove(command.data, state);
}

function evolveRulesBook(state: RulesBookState, event: RulesBookEvent): RulesBookState {
  const d = event.data;
  if (event.type === 'ContactRulesProposed') {
    return {
      ...state,
      proposed: {
        ...state.proposed,
        [d.rules.version]: { rules: d.rules, effectiveFrom: d.effectiveFrom, reason: d.reason, proposedBy: event.data.proposedBy },
      },
    };
  }
  if (event.type === 'ContactRulesPublished') {
    const { [d.rules.version]: _approved, ...proposed } = state.proposed;
    return { published: [...state.published, { rules: d.rules, effectiveFrom: d.effectiveFrom }], proposed };
  }
  return state;
}

export const rulesBookDecider: Decider<RulesBookCommand, RulesBookEvent, RulesBookState> = {
  initialState: () => ({ published: [], proposed: {} }),
  decide: decideRulesBook,
  evolve: evolveRulesBook,
};
