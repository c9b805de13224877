import { compareDates, domainError, isBusinessDate, type BusinessDate, type Decider, type DomainError, type DomainEvent } from '#kernel';
import { contactRulesProblem, type ContactRules, type PublishedRules } from './contact-rules.js';
import type { Command } from './model.js';

/**
 * The contact rules book (stream `collection.rules-contact`): every published version of the
 * ContactRules with the business date it applies from. Versions are never edited; a change is a
 * new version.
 */
export const RULES_BOOK_STREAM = 'collection.rules-contact';

export type ContactRulesPublished = DomainEvent<
  'ContactRulesPublished',
  { readonly rules: ContactRules; readonly effectiveFrom: BusinessDate; readonly reason: string }
>;
export type RulesBookEvent = ContactRulesPublished;

export interface RulesBookState {
  readonly published: readonly PublishedRules[];
}

export type PublishContactRules = Command<
  'PublishContactRules',
  { readonly rules: ContactRules; readonly effectiveFrom: BusinessDate; readonly businessDate: BusinessDate; readonly reason: string }
>;
export type RulesBookCommand = PublishContactRules;

export function decideRulesBook(command: RulesBookCommand, state: RulesBookState): readonly RulesBookEvent[] | DomainError {
  const d = command.data;
  const problem = contactRulesProblem(d.rules);
  if (problem) return problem;
  if (!isBusinessDate(d.effectiveFrom)) return domainError('INVALID_DATE', 'effectiveFrom must be a calendar date', { effectiveFrom: d.effectiveFrom });
  const same = state.published.find((p) => p.rules.version === d.rules.version);
  if (same) {
    if (JSON.stringify(same.rules) === JSON.stringify(d.rules) && same.effectiveFrom === d.effectiveFrom) return [];
    return domainError('CONTACT_RULES_VERSION_EXISTS', `contact rules version ${d.rules.version} was already published`, { version: d.rules.version }, 'conflict');
  }
  if (compareDates(d.effectiveFrom, d.businessDate) < 0) {
    return domainError('EFFECTIVE_DATE_IN_PAST', `contact rules apply from the open business date (${d.businessDate}) or a later one`, {
      effectiveFrom: d.effectiveFrom,
      businessDate: d.businessDate,
    });
  }
  if (!d.reason.trim()) return domainError('REASON_REQUIRED', 'publishing contact rules needs a reason');
  return [{ type: 'ContactRulesPublished', data: { rules: d.rules, effectiveFrom: d.effectiveFrom, reason: d.reason } }];
}

export const rulesBookDecider: Decider<RulesBookCommand, RulesBookEvent, RulesBookState> = {
  initialState: () => ({ published: [] }),
  decide: decideRulesBook,
  evolve: (state, event) =>
    event.type === 'ContactRulesPublished' ? { published: [...state.published, { rules: event.data.rules, effectiveFrom: event.data.effectiveFrom }] } : state,
};
