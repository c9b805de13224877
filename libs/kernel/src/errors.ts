/**
 * Expected failures are values, not exceptions: a decider returns a DomainError and the HTTP layer
 * maps its stable `code` to a problem+json response.
 */
export type DomainErrorKind = 'rule' | 'not_found' | 'conflict' | 'forbidden';

export interface DomainError {
  readonly kind: 'DomainError';
  readonly code: string;
  readonly message: string;
  readonly category: DomainErrorKind;
  readonly details?: Record<string, unknown>;
}

export function domainError(code: string, message: string, details?: Record<string, unknown>, category: DomainErrorKind = 'rule'): DomainError {
  return { kind: 'DomainError', code, message, category, ...(details ? { details } : {}) };
}

export function isDomainError(value: unknown): value is DomainError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'DomainError';
}

/**
 * The house's one four-eyes rule: whoever made a request or proposal, or already signed it, cannot
 * check it. Every maker-checker decision in every context asks this, and every refusal has the same
 * code, `MAKER_CANNOT_CHECK` (403), with what was refused in the message and who made it in the
 * details. `makers` lists everyone who may not check: the maker, and for a second approval the
 * first approver.
 */
export function fourEyes(
  checker: string,
  makers: readonly (string | null | undefined)[],
  message: string,
  details: Record<string, unknown> = {},
): DomainError | null {
  return makers.includes(checker) ? domainError('MAKER_CANNOT_CHECK', message, details, 'forbidden') : null;
}

/** Thrown (not returned) when an append's expected revision does not match the stream. */
export class RevisionConflictError extends Error {
  readonly code = 'REVISION_CONFLICT';
  constructor(
    readonly streamId: string,
    readonly expected: string,
    /** The stream's revision when the append was refused; -1 when the stream does not exist. */
    readonly currentRevision: number,
  ) {
    super(`stream ${streamId}: expected revision ${expected}, current revision ${currentRevision}`);
  }
}
