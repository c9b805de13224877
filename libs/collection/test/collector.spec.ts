import { deciderSpec } from '#kernel/testing';
import { collectorDecider, skillsMatch, type AcceptCase, type CollectorEvent } from '../src/domain/index.js';

const spec = deciderSpec(collectorDecider);
const C = 'c-1';

const registered: CollectorEvent = { type: 'CollectorRegistered', data: { collectorId: C, team: 't-1', capacity: 2, skills: ['M1', 'D:M2'] } };
const trained = (courseId = 'basic-101', completedOn = '2025-01-01', score = 80): CollectorEvent => ({
  type: 'TrainingCompleted',
  data: { collectorId: C, courseId, score, passScore: 60, passed: score >= 60, completedOn },
});
const certified = (certification = 'COLLECTION_BASIC', grantedOn = '2025-01-02', expiresOn = '2026-01-02', courseId = 'basic-101'): CollectorEvent => ({
  type: 'CertificationGranted',
  data: { collectorId: C, certification, courseId, grantedOn, expiresOn },
});
const grant = (overrides: Partial<{ certification: string; courseId: string; grantedOn: string; expiresOn: string }> = {}) => ({
  type: 'GrantCertification' as const,
  data: {
    collectorId: C,
    certification: 'COLLECTION_BASIC',
    courseId: 'basic-101',
    grantedOn: '2025-01-02',
    expiresOn: '2026-01-02',
    maxValidityDays: 366,
    ...overrides,
  },
});
const accept = (caseId: string, onDate = '2025-03-01', extra: Partial<AcceptCase['data']> = {}): AcceptCase => ({
  type: 'AcceptCase',
  data: { collectorId: C, caseId, onDate, requiredCertifications: ['COLLECTION_BASIC'], queue: { grade: 'C', stage: 'M1' }, enforceSkills: true, ...extra },
});
const ready = [registered, trained(), certified()];

describe('Collector trainings and certifications', () => {
  it('grants a certification only after a passed assessment in its course', () => {
    spec.given([registered]).when(grant()).thenError('CERTIFICATION_REQUIRES_TRAINING');
    spec
      .given([registered, trained('basic-101', '2025-01-01', 40)])
      .when(grant())
      .thenError('CERTIFICATION_REQUIRES_TRAINING');
    spec
      .given([registered, trained('other')])
      .when(grant())
      .thenError('CERTIFICATION_REQUIRES_TRAINING');
    spec.given([registered, trained()]).when(grant()).then([certified()]);
  });

  it('needs the training to be recent, and the certification renewed at least yearly', () => {
    spec
      .given([registered, trained('basic-101', '2023-12-01')])
      .when(grant())
      .thenError('CERTIFICATION_REQUIRES_TRAINING');
    spec
      .given([registered, trained()])
      .when(grant({ expiresOn: '2026-02-01' }))
      .thenError('CERTIFICATION_VALIDITY_TOO_LONG');
    spec
      .given([registered, trained()])
      .when(grant({ expiresOn: '2025-01-02' }))
      .thenError('INVALID_DATE');
  });

  it('records a pass or a fail for each assessment', () => {
    spec
      .given([registered])
      .when({ type: 'RecordTraining', data: { collectorId: C, courseId: 'basic-101', score: 59, passScore: 60, completedOn: '2025-01-01' } })
      .then([trained('basic-101', '2025-01-01', 59)]);
    spec
      .given([registered])
      .when({ type: 'RecordTraining', data: { collectorId: C, courseId: 'basic-101', score: 101, passScore: 60, completedOn: '2025-01-01' } })
      .thenError('INVALID_SCORE');
  });

  it('expires certifications at the end of the business day they lapse on', () => {
    const expire = (businessDate: string) => ({ type: 'ExpireCertifications' as const, data: { collectorId: C, businessDate } });
    spec.given(ready).when(expire('2026-01-01')).then([]);
    spec
      .given(ready)
      .when(expire('2026-01-02'))
      .then([
        { type: 'CertificationExpired', data: { collectorId: C, certification: 'COLLECTION_BASIC', expiresOn: '2026-01-02', businessDate: '2026-01-02' } },
      ]);
  });
});

describe('certification gating of case assignment', () => {
  it('gives a case to a certified collector and counts it against the capacity', () => {
    spec
      .given(ready)
      .when(accept('K1'))
      .then([{ type: 'CollectorCaseAssigned', data: { collectorId: C, caseId: 'K1', openCases: 1, capacity: 2 } }]);
    spec
      .given([...ready, ...(spec.given(ready).when(accept('K1')).result as CollectorEvent[])])
      .when(accept('K1'))
      .then([]);
  });

  it('gives no case to an uncertified collector, nor to one whose certification lapsed', () => {
    spec.given([registered, trained()]).when(accept('K1')).thenError('COLLECTOR_NOT_CERTIFIED');
    const err = spec.given(ready).when(accept('K1', '2026-01-02')).thenError('COLLECTOR_NOT_CERTIFIED');
    expect(err.details).toMatchObject({ missing: ['COLLECTION_BASIC'], onDate: '2026-01-02' });
    spec.given(ready).when(accept('K1', '2026-01-01')).thenTypes(['CollectorCaseAssigned']);
    spec.given(ready).when(accept('K1', '2025-01-01')).thenError('COLLECTOR_NOT_CERTIFIED');
    const expired: CollectorEvent = {
      type: 'CertificationExpired',
      data: { collectorId: C, certification: 'COLLECTION_BASIC', expiresOn: '2026-01-02', businessDate: '2026-01-02' },
    };
    spec
      .given([...ready, expired])
      .when(accept('K1', '2025-06-01'))
      .thenError('COLLECTOR_NOT_CERTIFIED');
  });

  it('routes hard cases only to collectors holding the certification their ladder requires', () => {
    const hard = accept('K1', '2025-03-01', { requiredCertifications: ['COLLECTION_BASIC', 'FIELD'], queue: { grade: 'D', stage: 'M2' } });
    const err = spec.given(ready).when(hard).thenError('COLLECTOR_NOT_CERTIFIED');
    expect(err.details).toMatchObject({ missing: ['FIELD'] });
    spec
      .given([...ready, trained('field-201'), certified('FIELD', '2025-01-02', '2026-01-02', 'field-201')])
      .when(hard)
      .thenTypes(['CollectorCaseAssigned']);
  });

  it('keeps to skills when routing automatically, and refuses beyond capacity or when inactive', () => {
    spec
      .given(ready)
      .when(accept('K1', '2025-03-01', { queue: { grade: 'C', stage: 'M3' } }))
      .thenError('COLLECTOR_SKILL_MISMATCH');
    spec
      .given(ready)
      .when(accept('K1', '2025-03-01', { queue: { grade: 'C', stage: 'M3' }, enforceSkills: false }))
      .thenTypes(['CollectorCaseAssigned']);
    const two: CollectorEvent[] = [
      { type: 'CollectorCaseAssigned', data: { collectorId: C, caseId: 'K1', openCases: 1, capacity: 2 } },
      { type: 'CollectorCaseAssigned', data: { collectorId: C, caseId: 'K2', openCases: 2, capacity: 2 } },
    ];
    spec
      .given([...ready, ...two])
      .when(accept('K3'))
      .thenError('COLLECTOR_AT_CAPACITY');
    const released = spec
      .given([...ready, ...two])
      .when({ type: 'ReleaseCase', data: { collectorId: C, caseId: 'K1' } })
      .thenTypes(['CollectorCaseReleased']);
    spec
      .given([...ready, ...two, ...released])
      .when(accept('K3'))
      .thenTypes(['CollectorCaseAssigned']);
    const inactive: CollectorEvent = { type: 'CollectorProfileChanged', data: { collectorId: C, team: 't-1', capacity: 2, skills: ['M1'], active: false } };
    spec
      .given([...ready, inactive])
      .when(accept('K1'))
      .thenError('COLLECTOR_INACTIVE');
  });

  it('matches skills by stage, grade and stage, grade and any stage, or everything', () => {
    expect(skillsMatch(['M1'], 'A', 'M1')).toBe(true);
    expect(skillsMatch(['D:M2'], 'D', 'M2')).toBe(true);
    expect(skillsMatch(['D:M2'], 'C', 'M2')).toBe(false);
    expect(skillsMatch(['E:*'], 'E', 'M6+')).toBe(true);
    expect(skillsMatch(['*'], 'A', 'M3')).toBe(true);
    expect(skillsMatch([], 'A', 'M1')).toBe(false);
  });

  it('refuses malformed profiles', () => {
    spec
      .given([])
      .when({ type: 'RegisterCollector', data: { collectorId: C, team: 't', capacity: -1, skills: [] } })
      .thenError('INVALID_COLLECTOR');
    spec
      .given([])
      .when({ type: 'RegisterCollector', data: { collectorId: C, team: 't', capacity: 1, skills: ['M9'] } })
      .thenError('INVALID_COLLECTOR');
    spec
      .given([registered])
      .when({ type: 'RegisterCollector', data: { collectorId: C, team: 'other', capacity: 1, skills: [] } })
      .thenError('COLLECTOR_EXISTS');
  });
});
