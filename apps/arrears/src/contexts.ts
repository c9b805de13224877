import type { ContextRegistration } from '#messaging';
import { agenciesContext } from '#agencies';
import { auditContext } from '#audit';
import { collectionContext } from '#collection';
import { gradingContext } from '#grading';
import { loansContext } from '#loans';
import { monitoringContext } from '#monitoring';
import { restructuringContext } from '#restructuring';
import { selfServiceContext } from '#self-service';
import { vaultContext } from '#vault';

/** The bounded contexts this deployable runs. */
export const CONTEXTS: readonly ContextRegistration[] = [
  vaultContext,
  auditContext,
  loansContext,
  gradingContext,
  collectionContext,
  restructuringContext,
  selfServiceContext,
  agenciesContext,
  monitoringContext,
];
