import type { ContextRegistration } from '#platform';

/** The bounded contexts this deployable runs. */
export const CONTEXTS: readonly ContextRegistration[] = [];
