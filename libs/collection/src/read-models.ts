// Read models other contexts may build from Collection's published events. A separate entry
// (`#collection/read-models`) with no Nest or context dependencies, so any context can import it
// without loading Collection.
export {
  caseAssignmentsProjection,
  caseScopeSql,
  caseScoped,
  collectorWorks,
  evolveCaseAssignment,
  inCaseScope,
  type CaseAssignmentRow,
  type CaseScopePrincipal,
  type CaseScopeSubject,
} from './read-model/case-assignments.js';
