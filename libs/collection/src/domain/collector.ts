import {
  compareDates,
  daysBetween,
  domainError,
  isDomainError,
  isBusinessDate,
  type BusinessDate,
  type Decider,
  type DomainError,
  type DomainEvent,
} from '#kernel';
import type { Command, Grade, Stage } from './model.js';

/**
 * Collector (stream `collection.collector-<collectorId>`): a member of staff who works cases, with
 * a team, a capacity (open cases at most) and skills (the queues they work). Trainings and
 * certifications with expiry gate the work: an uncertified or lapsed collector receives no cases.
 * The collector's open cases are counted here, so capacity holds under concurrent routing.
 *
 * Skills name queues: `*` (every queue), a stage (`M2`), a grade and stage (`D:M2`) or a grade and
 * any stage (`D:*`).
 */

export interface Certification {
  readonly certification: string;
  readonly courseId: string;
  readonly grantedOn: BusinessDate;
  /** The first day the certification is no longer valid. */
  readonly expiresOn: BusinessDate;
}

interface TrainingRecord {
  readonly courseId: string;
  readonly score: number;
  readonly passed: boolean;
  readonly completedOn: BusinessDate;
}

type CollectorRegistered = DomainEvent<
  'CollectorRegistered',
  { readonly collectorId: string; readonly team: string; readonly capacity: number; readonly skills: readonly string[] }
>;
type CollectorProfileChanged = DomainEvent<
  'CollectorProfileChanged',
  { readonly collectorId: string; readonly team: string; readonly capacity: number; readonly skills: readonly string[]; readonly active: boolean }
>;
type TrainingCompleted = DomainEvent<
  'TrainingCompleted',
  {
    readonly collectorId: string;
    readonly courseId: string;
    readonly score: number;
    readonly passScore: number;
    readonly passed: boolean;
    readonly completedOn: BusinessDate;
  }
>;
type CertificationGranted = DomainEvent<'CertificationGranted', { readonly collectorId: string } & Certification>;
type CertificationExpired = DomainEvent<
  'CertificationExpired',
  { readonly collectorId: string; readonly certification: string; readonly expiresOn: BusinessDate; readonly businessDate: BusinessDate }
>;
type CollectorCaseAssigned = DomainEvent<
  'CollectorCaseAssigned',
  { readonly collectorId: string; readonly caseId: string; readonly openCases: number; readonly capacity: number }
>;
type CollectorCaseReleased = DomainEvent<'CollectorCaseReleased', { readonly collectorId: string; readonly caseId: string; readonly openCases: number }>;

export type CollectorEvent =
  | CollectorRegistered
  | CollectorProfileChanged
  | TrainingCompleted
  | CertificationGranted
  | CertificationExpired
  | CollectorCaseAssigned
  | CollectorCaseReleased;

/** Every event type a collector's stream records (the collectors' read model and the outbound topic take them all). */
export const COLLECTOR_EVENT_TYPES: readonly CollectorEvent['type'][] = [
  'CollectorRegistered',
  'CollectorProfileChanged',
  'TrainingCompleted',
  'CertificationGranted',
  'CertificationExpired',
  'CollectorCaseAssigned',
  'CollectorCaseReleased',
];

export interface CollectorProfile {
  readonly collectorId: string;
  readonly team: string;
  readonly capacity: number;
  readonly skills: readonly string[];
  readonly active: boolean;
  readonly trainings: readonly TrainingRecord[];
  readonly certifications: Readonly<Record<string, Certification>>;
  readonly cases: readonly string[];
}

export type CollectorState = { readonly status: 'none' } | ({ readonly status: 'registered' } & CollectorProfile);

type RegisterCollector = Command<
  'RegisterCollector',
  { readonly collectorId: string; readonly team: string; readonly capacity: number; readonly skills: readonly string[] }
>;
type ChangeCollectorProfile = Command<
  'ChangeCollectorProfile',
  { readonly collectorId: string; readonly team?: string; readonly capacity?: number; readonly skills?: readonly string[]; readonly active?: boolean }
>;
type RecordTraining = Command<
  'RecordTraining',
  { readonly collectorId: string; readonly courseId: string; readonly score: number; readonly passScore: number; readonly completedOn: BusinessDate }
>;
type GrantCertification = Command<
  'GrantCertification',
  {
    readonly collectorId: string;
    readonly certification: string;
    readonly courseId: string;
    readonly grantedOn: BusinessDate;
    readonly expiresOn: BusinessDate;
    /** From the contact rules in force: the longest validity, and how recent the training must be. */
    readonly maxValidityDays: number;
  }
>;
type ExpireCertifications = Command<'ExpireCertifications', { readonly collectorId: string; readonly businessDate: BusinessDate }>;
export type AcceptCase = Command<
  'AcceptCase',
  {
    readonly collectorId: string;
    readonly caseId: string;
    readonly onDate: BusinessDate;
    /** Every collector's certification (from the contact rules) plus what the case's ladder requires. */
    readonly requiredCertifications: readonly string[];
    readonly queue: { readonly grade: Grade; readonly stage: Stage };
    /** Auto-routing keeps to the collector's skills; a supervisor may assign outside them. */
    readonly enforceSkills: boolean;
  }
>;
type ReleaseCase = Command<'ReleaseCase', { readonly collectorId: string; readonly caseId: string }>;

export type CollectorCommand =
  RegisterCollector | ChangeCollectorProfile | RecordTraining | GrantCertification | ExpireCertifications | AcceptCase | ReleaseCase;

// ---- rules ---------------------------------------------------------------------------------------

function isCertified(profile: Pick<CollectorProfile, 'certifications'>, certification: string, onDate: BusinessDate): boolean {
  const c = profile.certifications[certification];
  return !!c && compareDates(c.grantedOn, onDate) <= 0 && compareDates(onDate, c.expiresOn) < 0;
}

/** The certifications among `required` the collector does not hold on the date. */
export function missingCertifications(profile: Pick<CollectorProfile, 'certifications'>, required: readonly string[], onDate: BusinessDate): string[] {
  return [...new Set(required)].filter((c) => !isCertified(profile, c, onDate));
}

export function skillsMatch(skills: readonly string[], grade: Grade, stage: Stage): boolean {
  return skills.some((s) => s === '*' || s === stage || s === `${grade}:${stage}` || s === `${grade}:*`);
}

const SKILL = /^(\*|[A-E]:\*|[A-E]:M[0-6]\+?|M[0-6]\+?)$/;

function profileProblem(p: { team?: string; capacity?: number; skills?: readonly string[] }): DomainError | null {
  if (p.team !== undefined && !p.team.trim()) return domainError('INVALID_COLLECTOR', 'a collector belongs to a team', {});
  if (p.capacity !== undefined && (!Number.isSafeInteger(p.capacity) || p.capacity < 0 || p.capacity > 10_000)) {
    return domainError('INVALID_COLLECTOR', 'capacity is a whole number of cases, 0-10000', { capacity: p.capacity });
  }
  const badSkill = p.skills?.find((s) => !SKILL.test(s));
  if (badSkill !== undefined) return domainError('INVALID_COLLECTOR', 'a skill is *, a stage (M2), grade:stage (D:M2) or grade:* (D:*)', { skill: badSkill });
  return null;
}

function registered(state: CollectorState, collectorId: string): (CollectorProfile & { status: 'registered' }) | DomainError {
  if (state.status === 'none') return domainError('COLLECTOR_NOT_FOUND', `no collector ${collectorId}`, { collectorId }, 'not_found');
  return state;
}

function decideCollector(command: CollectorCommand, state: CollectorState): readonly CollectorEvent[] | DomainError {
  switch (command.type) {
    case 'RegisterCollector': {
      const d = command.data;
      if (state.status !== 'none') {
        if (state.team === d.team && state.capacity === d.capacity && JSON.stringify(state.skills) === JSON.stringify(d.skills)) return [];
        return domainError('COLLECTOR_EXISTS', `collector ${d.collectorId} is already registered`, { collectorId: d.collectorId }, 'conflict');
      }
      const problem = profileProblem(d);
      if (problem) return problem;
      return [{ type: 'CollectorRegistered', data: { collectorId: d.collectorId, team: d.team, capacity: d.capacity, skills: d.skills } }];
    }
    case 'ChangeCollectorProfile': {
      const d = command.data;
      const c = registered(state, d.collectorId);
      if (isDomainError(c)) return c;
      const problem = profileProblem(d);
      if (problem) return problem;
      const next = { team: d.team ?? c.team, capacity: d.capacity ?? c.capacity, skills: d.skills ?? c.skills, active: d.active ?? c.active };
      if (next.team === c.team && next.capacity === c.capacity && JSON.stringify(next.skills) === JSON.stringify(c.skills) && next.active === c.active)
        return [];
      return [{ type: 'CollectorProfileChanged', data: { collectorId: d.collectorId, ...next } }];
    }
    case 'RecordTraining': {
      const d = command.data;
      const c = registered(state, d.collectorId);
      if (isDomainError(c)) return c;
      if (!isBusinessDate(d.completedOn)) return domainError('INVALID_DATE', 'completedOn must be a calendar date', { completedOn: d.completedOn });
      for (const [name, v] of [
        ['score', d.score],
        ['passScore', d.passScore],
      ] as const) {
        if (!Number.isSafeInteger(v) || v < 0 || v > 100) return domainError('INVALID_SCORE', `${name} is a whole number 0-100`, { [name]: v });
      }
      return [
        {
          type: 'TrainingCompleted',
          data: {
            collectorId: d.collectorId,
            courseId: d.courseId,
            score: d.score,
            passScore: d.passScore,
            passed: d.score >= d.passScore,
            completedOn: d.completedOn,
          },
        },
      ];
    }
    case 'GrantCertification': {
      const d = command.data;
      const c = registered(state, d.collectorId);
      if (isDomainError(c)) return c;
      if (!isBusinessDate(d.grantedOn) || !isBusinessDate(d.expiresOn)) {
        return domainError('INVALID_DATE', 'grantedOn and expiresOn must be calendar dates', { grantedOn: d.grantedOn, expiresOn: d.expiresOn });
      }
      const validity = daysBetween(d.grantedOn, d.expiresOn);
      if (validity < 1) return domainError('INVALID_DATE', 'a certification expires after it is granted', { grantedOn: d.grantedOn, expiresOn: d.expiresOn });
      if (validity > d.maxValidityDays) {
        return domainError('CERTIFICATION_VALIDITY_TOO_LONG', `a certification is valid for at most ${d.maxValidityDays} days`, {
          validityDays: validity,
          maxValidityDays: d.maxValidityDays,
        });
      }
      const assessed = c.trainings.some(
        (t) =>
          t.courseId === d.courseId &&
          t.passed &&
          compareDates(t.completedOn, d.grantedOn) <= 0 &&
          daysBetween(t.completedOn, d.grantedOn) <= d.maxValidityDays,
      );
      if (!assessed) {
        return domainError(
          'CERTIFICATION_REQUIRES_TRAINING',
          `certification needs a passed assessment in course ${d.courseId} within ${d.maxValidityDays} days`,
          {
            courseId: d.courseId,
          },
        );
      }
      const current = c.certifications[d.certification];
      if (current && current.grantedOn === d.grantedOn && current.expiresOn === d.expiresOn && current.courseId === d.courseId) return [];
      return [
        {
          type: 'CertificationGranted',
          data: { collectorId: d.collectorId, certification: d.certification, courseId: d.courseId, grantedOn: d.grantedOn, expiresOn: d.expiresOn },
        },
      ];
    }
    case 'ExpireCertifications': {
      const d = command.data;
      const c = registered(state, d.collectorId);
      if (isDomainError(c)) return c;
      return Object.values(c.certifications)
        .filter((cert) => compareDates(cert.expiresOn, d.businessDate) <= 0)
        .map((cert) => ({
          type: 'CertificationExpired' as const,
          data: { collectorId: d.collectorId, certification: cert.certification, expiresOn: cert.expiresOn, businessDate: d.businessDate },
        }));
    }
    case 'AcceptCase': {
      const d = command.data;
      const c = registered(state, d.collectorId);
      if (isDomainError(c)) return c;
      if (c.cases.includes(d.caseId)) return [];
      if (!c.active) return domainError('COLLECTOR_INACTIVE', `collector ${d.collectorId} is not active`, { collectorId: d.collectorId });
      const missing = missingCertifications(c, d.requiredCertifications, d.onDate);
      if (missing.length) {
        return domainError('COLLECTOR_NOT_CERTIFIED', `collector ${d.collectorId} lacks valid certification: ${missing.join(', ')}`, {
          collectorId: d.collectorId,
          missing,
          onDate: d.onDate,
        });
      }
      if (d.enforceSkills && !skillsMatch(c.skills, d.queue.grade, d.queue.stage)) {
        return domainError('COLLECTOR_SKILL_MISMATCH', `collector ${d.collectorId} does not work queue ${d.queue.grade}:${d.queue.stage}`, {
          collectorId: d.collectorId,
          queue: d.queue,
        });
      }
      if (c.cases.length >= c.capacity) {
        return domainError('COLLECTOR_AT_CAPACITY', `collector ${d.collectorId} already works ${c.cases.length} of ${c.capacity} cases`, {
          collectorId: d.collectorId,
          openCases: c.cases.length,
          capacity: c.capacity,
        });
      }
      return [{ type: 'CollectorCaseAssigned', data: { collectorId: d.collectorId, caseId: d.caseId, openCases: c.cases.length + 1, capacity: c.capacity } }];
    }
    case 'ReleaseCase': {
      const d = command.data;
      const c = registered(state, d.collectorId);
      if (isDomainError(c)) return c;
      if (!c.cases.includes(d.caseId)) return [];
      return [{ type: 'CollectorCaseReleased', data: { collectorId: d.collectorId, caseId: d.caseId, openCases: c.cases.length - 1 } }];
    }
  }
}

function evolveCollector(state: CollectorState, event: CollectorEvent): CollectorState {
  if (event.type === 'CollectorRegistered') {
    const { collectorId, team, capacity, skills } = event.data;
    return { status: 'registered', collectorId, team, capacity, skills, active: true, trainings: [], certifications: {}, cases: [] };
  }
  if (state.status === 'none') return state;
  switch (event.type) {
    case 'CollectorProfileChanged': {
      const { team, capacity, skills, active } = event.data;
      return { ...state, team, capacity, skills, active };
    }
    case 'TrainingCompleted': {
      const { courseId, score, passed, completedOn } = event.data;
      return { ...state, trainings: [...state.trainings, { courseId, score, passed, completedOn }] };
    }
    case 'CertificationGranted': {
      const { certification, courseId, grantedOn, expiresOn } = event.data;
      return { ...state, certifications: { ...state.certifications, [certification]: { certification, courseId, grantedOn, expiresOn } } };
    }
    case 'CertificationExpired': {
      const { [event.data.certification]: _gone, ...rest } = state.certifications;
      return { ...state, certifications: rest };
    }
    case 'CollectorCaseAssigned':
      return { ...state, cases: [...state.cases, event.data.caseId] };
    case 'CollectorCaseReleased':
      return { ...state, cases: state.cases.filter((c) => c !== event.data.caseId) };
    default:
      return state;
  }
}

export const collectorDecider: Decider<CollectorCommand, CollectorEvent, CollectorState> = {
  initialState: () => ({ status: 'none' }),
  decide: decideCollector,
  evolve: evolveCollector,
};
