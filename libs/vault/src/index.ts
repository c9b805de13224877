export * from './domain/masking.js';
export * from './application/vault.js';
export * from './vault.module.js';
export { VAULT_CASE_ASSIGNMENTS, caseAssignmentsProjection } from './read-model/case-assignments.js';
