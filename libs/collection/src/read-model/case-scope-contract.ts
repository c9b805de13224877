import type { CaseScopeEvent } from '#case-scope';
import type { CaseAssigned, CaseClosed, CaseOpened, CaseReassigned } from '../domain/case/events.js';

/**
 * Every context scopes its rows by a fold of Collection's case events (`#case-scope`). This type
 * stops the build when one of those events no longer carries a field the fold reads: each event
 * must be assignable to the contract's event of the same type.
 */
type Carries<E extends { readonly type: string }> = [E] extends [CaseScopeEvent] ? true : false;
export type CaseEventsCarryCaseScope = [Carries<CaseOpened>, Carries<CaseAssigned>, Carries<CaseReassigned>, Carries<CaseClosed>] extends [
  true,
  true,
  true,
  true,
]
  ? true
  : false;
export const caseEventsCarryCaseScope: CaseEventsCarryCaseScope = true;
