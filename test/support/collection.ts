import { addDays } from '#kernel';
import { eventually, type TestApp } from './app.js';
import { clocksAt, closeBusinessDay } from './clock.js';

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/**
 * Closes `businessDate` as core banking (`call`) and waits until every context's clock shows the
 * next day and Collection's reactions have handled the Loans end of day (so ran Collection's: the
 * day's actions expired, the next ones scheduled, cases re-routed, outreach tracks advanced).
 */
export async function closeCollectionDay(t: TestApp, call: Call, businessDate: string, timeoutMs = 30_000): Promise<void> {
  await closeBusinessDay(call, businessDate);
  await clocksAt(t, addDays(businessDate, 1));
  const completed = (await t.runtime.store.readStream('loans.calendar-main')).find(
    (e) => e.type === 'EndOfDayCompleted' && (e.data as { businessDate: string }).businessDate === businessDate,
  );
  if (!completed) throw new Error(`no EndOfDayCompleted for ${businessDate}`);
  const target = completed.globalPosition;
  await eventually(
    async () => {
      const res = await t.request('GET', '/admin/projections');
      const reactions = res.body.items.find((p: { name: string }) => p.name === 'collection_loan_reactions');
      const [commit, prepare] = String(reactions?.checkpoint ?? '0/0')
        .split('/')
        .map(BigInt);
      return commit > target.commit || (commit === target.commit && prepare >= target.prepare) ? true : undefined;
    },
    timeoutMs,
    `collection's end of day ${businessDate}`,
  );
}
