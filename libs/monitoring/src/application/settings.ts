import { z } from 'zod';
import { RULE_SETS, CURRENT_RULE_SET, type RuleSet } from '../domain/early-warning.rules.js';
import { DEFAULT_REVIEW_SETTINGS, type ReviewSettings } from '../domain/review.js';

/** Monitoring's settings; from the environment (see docs/monitoring.md), validated at start. */
export interface MonitoringSettings {
  /** The early-warning rule set in force. */
  readonly ruleSet: RuleSet;
  /** Scheduled reviews fall at the end of every N-th business day. */
  readonly reviewEveryDays: number;
  /** Days of case entries a scheduled review looks at, ending on the closed day. */
  readonly reviewWindowDays: number;
  readonly review: ReviewSettings;
}

export const DEFAULT_MONITORING_SETTINGS: MonitoringSettings = Object.freeze({
  ruleSet: CURRENT_RULE_SET,
  reviewEveryDays: 30,
  reviewWindowDays: 90,
  review: DEFAULT_REVIEW_SETTINGS,
});

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z.object({
  MONITORING_RULE_SET: z
    .string()
    .refine((v) => v in RULE_SETS, { message: `unknown rule set (known: ${Object.keys(RULE_SETS).join(', ')})` })
    .default(CURRENT_RULE_SET.version),
  MONITORING_REVIEW_EVERY_DAYS: int(1, 366).default(DEFAULT_MONITORING_SETTINGS.reviewEveryDays),
  MONITORING_REVIEW_WINDOW_DAYS: int(1, 3660).default(DEFAULT_MONITORING_SETTINGS.reviewWindowDays),
  MONITORING_REVIEW_ALPHA: z.coerce.number().gt(0).lt(1).default(DEFAULT_REVIEW_SETTINGS.alpha),
  MONITORING_REVIEW_MIN_SAMPLE: int(1, 1_000_000).default(DEFAULT_REVIEW_SETTINGS.minSampleSize),
  MONITORING_REVIEW_COMPLAINT_GUARDRAIL: z
    .union([z.literal('off'), z.coerce.number().min(0).max(1000)])
    .default(DEFAULT_REVIEW_SETTINGS.complaintsPer1000Max ?? 'off'),
});

class MonitoringSettingsError extends Error {
  override readonly name = 'MonitoringSettingsError';

  /** One line a bad setting (`MONITORING_…: message`), so the app can report them with its own settings' problems. */
  constructor(readonly problems: string[]) {
    super(`invalid monitoring configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

export function monitoringSettingsFromEnv(env: Record<string, string | undefined> = process.env): MonitoringSettings {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([k, v]) => k.startsWith('MONITORING_') && v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    throw new MonitoringSettingsError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  }
  const e = parsed.data;
  return {
    ruleSet: RULE_SETS[e.MONITORING_RULE_SET],
    reviewEveryDays: e.MONITORING_REVIEW_EVERY_DAYS,
    reviewWindowDays: e.MONITORING_REVIEW_WINDOW_DAYS,
    review: {
      alpha: e.MONITORING_REVIEW_ALPHA,
      minSampleSize: e.MONITORING_REVIEW_MIN_SAMPLE,
      complaintsPer1000Max: e.MONITORING_REVIEW_COMPLAINT_GUARDRAIL === 'off' ? null : e.MONITORING_REVIEW_COMPLAINT_GUARDRAIL,
    },
  };
}
