import { FACTORS, type PolicyDocument } from './scorecard.js';
import { THRESHOLD_GRADES } from './grades.js';

/** One difference between two policy documents: where, and the value on each side. */
export interface PolicyChange {
  readonly path: string;
  readonly from: unknown;
  readonly to: unknown;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The differences between two scorecards at the level a reviewer reads them: base points, each
 * factor's missing-value points and bins, each threshold, each override (by flag).
 */
export function diffPolicies(a: PolicyDocument, b: PolicyDocument): PolicyChange[] {
  const changes: PolicyChange[] = [];
  const push = (path: string, from: unknown, to: unknown) => {
    if (!same(from, to)) changes.push({ path, from, to });
  };
  push('basePoints', a.basePoints, b.basePoints);
  for (const factor of FACTORS) {
    push(`factors.${factor}.missingPoints`, a.factors[factor]?.missingPoints ?? null, b.factors[factor]?.missingPoints ?? null);
    push(`factors.${factor}.bins`, a.factors[factor]?.bins ?? null, b.factors[factor]?.bins ?? null);
  }
  for (const grade of THRESHOLD_GRADES) push(`thresholds.${grade}`, a.thresholds[grade], b.thresholds[grade]);
  const flags = [...new Set([...a.overrides, ...b.overrides].map((o) => o.flag))];
  for (const flag of flags) {
    push(`overrides.${flag}`, a.overrides.find((o) => o.flag === flag) ?? null, b.overrides.find((o) => o.flag === flag) ?? null);
  }
  // Overrides apply in order: a reordering of the same flags is a change of its own.
  if (same([...a.overrides.map((o) => o.flag)].sort(), [...b.overrides.map((o) => o.flag)].sort())) {
    push(
      'overrides.order',
      a.overrides.map((o) => o.flag),
      b.overrides.map((o) => o.flag),
    );
  }
  return changes;
}

/** The same for any two JSON documents (classification rules): every differing leaf. */
export function diffDocuments(a: unknown, b: unknown, path = ''): PolicyChange[] {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => diffDocuments((a as Record<string, unknown>)[k] ?? null, (b as Record<string, unknown>)[k] ?? null, path ? `${path}.${k}` : k));
  }
  return same(a, b) ? [] : [{ path: path || '(document)', from: a, to: b }];
}
