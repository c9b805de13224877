/** Read-model table (view) names of the Grading context. */
export const CUSTOMERS_TABLE = 'rm_grading_customers';
export const HISTORY_TABLE = 'rm_grading_history';
export const MOVES_TABLE = 'rm_grading_grade_moves';
export const POLICY_VERSIONS_TABLE = 'rm_grading_policy_versions';
export const ACTIVATIONS_TABLE = 'rm_grading_activations';
export const LOAN_CLASSES_TABLE = 'rm_grading_loan_classes';
export const LOAN_CLASS_HISTORY_TABLE = 'rm_grading_loan_class_history';
/** Written by the regrader (application/regrader.ts): Grading's loan records and portfolio runs. */
export const LOANS_TABLE = 'rm_grading_loans';
export const RUNS_TABLE = 'rm_grading_runs';
/** Each loan's outstanding principal and whether it is on the books, from each business date a Loans event changed it. */
export const LOAN_BOOK_TABLE = 'rm_grading_loan_book';
