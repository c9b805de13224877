import { eventually, type TestApp } from './app.js';

/**
 * Waits until every context's copy of Loans' business calendar (the `rm_*_business_calendar`
 * read models, each context's business clock) shows `date` as the open business date. Loans'
 * calendar moves first; the copies follow as their projections apply the calendar's events, so a
 * test that acts on a context right after opening or closing a day waits for that context's clock.
 */
export async function clocksAt(t: TestApp, date: string, timeoutMs = 20_000): Promise<void> {
  const { rows: views } = await t.runtime.pool.query<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.views WHERE table_schema = current_schema() AND table_name LIKE 'rm\\_%\\_business\\_calendar'`,
  );
  if (views.length === 0) throw new Error('no business calendar copies are registered');
  await eventually(
    async () => {
      for (const { name } of views) {
        const { rows } = await t.runtime.pool.query<{ d: string }>(`SELECT open_business_date AS d FROM ${name} WHERE calendar_id = 'main'`);
        if (rows[0]?.d !== date) return undefined;
      }
      return true;
    },
    timeoutMs,
    `every context's business clock at ${date}`,
  );
}

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** Closes `businessDate` as core banking (`call`) and waits until the Loans end of day for it completed. */
export async function closeBusinessDay(call: Call, businessDate: string): Promise<void> {
  const res = await call('POST', '/loans/calendar/close', { businessDate });
  expect({ businessDate, status: res.status }).toEqual({ businessDate, status: 202 });
  await eventually(
    async () => {
      const run = await call('GET', `/loans/calendar/days/${businessDate}`);
      return run.status === 200 && run.body.status === 'completed' ? true : undefined;
    },
    20_000,
    `end of day ${businessDate}`,
  );
}
