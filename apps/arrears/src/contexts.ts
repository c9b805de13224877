import type { ContextRegistration } from '#platform';
import { auditContext } from '#audit';
import { vaultContext } from '#vault';

/** The bounded contexts this deployable runs. */
export const CONTEXTS: readonly ContextRegistration[] = [
  vaultContext,
  auditContext,
];
