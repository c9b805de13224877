import { addDays } from '#kernel';
import { whatIf, type CloseCaseDay, type CaseCommand, type CaseEvent, type WhatIfInput } from '../src/domain/index.js';
import { CASE, M2_LADDER, OPENED, definition, history, openCase, step } from './fixtures.js';

const INSTALLMENTS = [{ seq: 2, dueDate: '2025-04-01' }];

/** The case's real history: opened at DPD 1 on OPENED, then each day closed through `days` later. */
function lived(days: number, ...between: [offset: number, command: CaseCommand][]) {
  const commands: CaseCommand[] = [openCase()];
  for (let n = 1; n <= days; n++) {
    for (const [offset, command] of between) if (offset === n) commands.push(command);
    const close: CloseCaseDay = { type: 'CloseCaseDay', data: { caseId: CASE, businessDate: addDays(OPENED, n), dpd: 1 + n, nextDueDate: '2025-04-01' } };
    commands.push(close);
  }
  return history(...commands).events;
}

/** The input of a what-if of `events` under std-C at `version` (its default definition unless given). */
function caseUnder(events: readonly CaseEvent[], version: number, def = definition()): WhatIfInput {
  return { caseId: CASE, events, installments: INSTALLMENTS, alternative: { strategyId: 'std-C', version, definition: def } };
}

const replayed = (events: readonly CaseEvent[], version: number, def = definition()) => whatIf(caseUnder(events, version, def));

const V2_LADDER = [
  step('call-1', { dpdDay: 1 }, 'CALL', 'NEGOTIATION', { priority: 1 }),
  step('sms-4', { dpdDay: 4 }, 'SMS', 'REMINDER', { priority: 3 }),
  step('letter-20', { dpdDay: 20 }, 'LETTER', 'DEMAND', { priority: 2 }),
];

describe('what-if replay of a case under another strategy version', () => {
  it('reproduces the recorded actions when replayed under the version the case really ran', () => {
    const events = lived(25);
    const result = replayed(events, 1)!;
    expect(result.summary).toEqual({ actual: 5, whatIf: 5, same: 5, onlyActual: 0, onlyWhatIf: 0, differs: false });
    expect(result.from).toBe(OPENED);
    // Day closes that scheduled nothing leave no trace: an open case replays to the last date it names.
    expect(result.through).toBe('2025-03-21');
    const longer = whatIf({
      ...caseUnder(events, 1),
      through: '2025-04-05',
    })!;
    expect(longer.through).toBe('2025-04-05');
    expect(longer.summary.differs).toBe(false);
    expect(result.days.map((d) => [d.date, d.actual.map((a) => a.stepId), d.whatIf.map((a) => a.stepId)])).toEqual([
      ['2025-03-02', ['sms-1'], ['sms-1']],
      ['2025-03-04', ['call-3'], ['call-3']],
      ['2025-03-06', ['edu-5'], ['edu-5']],
      ['2025-03-08', ['sms-7'], ['sms-7']],
      ['2025-03-21', ['letter-20'], ['letter-20']],
    ]);
  });

  it('shows, day by day, which actions another version would have scheduled instead', () => {
    const events = lived(25);
    const result = replayed(events, 2, definition({ champion: V2_LADDER }))!;
    expect(result.plans).toEqual([{ asOf: OPENED, stage: 'M1', strategy: 'std-C@2/champion', alternative: true }]);
    expect(result.days.map((d) => [d.date, d.actual.map((a) => a.channel), d.whatIf.map((a) => a.channel)])).toEqual([
      ['2025-03-02', ['SMS'], ['CALL']],
      ['2025-03-04', ['CALL'], []],
      ['2025-03-05', [], ['SMS']],
      ['2025-03-06', ['EMAIL'], []],
      ['2025-03-08', ['SMS'], []],
      ['2025-03-21', ['LETTER'], ['LETTER']],
    ]);
    expect(result.days[0].whatIf[0]).toEqual({
      dueOn: OPENED,
      stepId: 'call-1',
      channel: 'CALL',
      purpose: 'NEGOTIATION',
      dpd: 1,
      strategy: 'std-C@2/champion',
    });
    expect(result.summary).toEqual({ actual: 5, whatIf: 3, same: 1, onlyActual: 4, onlyWhatIf: 2, differs: true });
  });

  it('keeps the real plan where the other version does not cover the case’s grade and stage', () => {
    const events = lived(8);
    const result = replayed(events, 2, definition({ keys: [{ grade: 'C', stage: 'M2' }], champion: M2_LADDER }))!;
    expect(result.plans).toEqual([{ asOf: OPENED, stage: 'M1', strategy: 'std-C@1/champion', alternative: false }]);
    expect(result.summary.differs).toBe(false);
  });

  it('schedules nothing while the case was on hold, as the real case did', () => {
    const events = lived(
      10,
      [2, { type: 'PlaceOnHold', data: { caseId: CASE, holdId: 'h1', reason: 'DISPUTE', since: addDays(OPENED, 2) } }],
      [7, { type: 'ReleaseHold', data: { caseId: CASE, holdId: 'h1', resolution: 'dispute resolved', on: addDays(OPENED, 7) } }],
    );
    const result = replayed(events, 2, definition({ champion: V2_LADDER }))!;
    // Held from day 2 to day 7: the v2 SMS at DPD 4 waits for the release and goes out on day 7.
    expect(result.days.flatMap((d) => d.whatIf.map((a) => [a.dueOn, a.stepId]))).toEqual([
      [OPENED, 'call-1'],
      [addDays(OPENED, 7), 'sms-4'],
    ]);
    // The real run likewise resumed with the latest step per channel, and the replay under v1 agrees.
    const same = replayed(events, 1)!;
    expect(same.summary.differs).toBe(false);
  });

  it('stops at the day the case was closed, and answers null for a stream without an opening', () => {
    const events = lived(10, [4, { type: 'CloseCase', data: { caseId: CASE, reason: 'CURED', closedOn: addDays(OPENED, 4) } }]);
    const result = replayed(events, 2, definition({ champion: V2_LADDER }))!;
    expect(result.through).toBe(addDays(OPENED, 4));
    expect(result.days.flatMap((d) => d.whatIf.map((a) => a.stepId))).toEqual(['call-1', 'sms-4']);
    expect(whatIf({ ...caseUnder([], 1), alternative: { strategyId: 'x', version: 1, definition: definition() } })).toBeNull();
  });
});
