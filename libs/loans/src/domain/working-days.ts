import { createRequire } from 'node:module';
import chineseDays from 'chinese-days';
import { addDays, type BusinessDate } from '#kernel';

/**
 * China's working days: weekends and the public holidays the State Council announces each year
 * (国务院办公厅关于节假日安排的通知), with the make-up working days (调休) that fall on weekends.
 * The list is the maintained `chinese-days` package's; next year's official list is loaded by
 * upgrading it once the notice is out (usually in November), and `WORKING_DAY_CALENDAR` names the
 * version a loan's due dates were rolled with. A date after the last year the list covers is
 * judged by the weekend alone.
 */
const require = createRequire(import.meta.url);
const { version } = require('chinese-days/package.json') as { version: string };
const { holidays } = require('chinese-days/dist/chinese-days.json') as { holidays: Record<string, string> };

/** The last year whose official holiday list the calendar holds. */
const LAST_YEAR = Object.keys(holidays).reduce((y, d) => Math.max(y, Number(d.slice(0, 4))), 0);

export const WORKING_DAY_CALENDAR = Object.freeze({ id: `CN/chinese-days@${version}`, coveredThrough: `${LAST_YEAR}-12-31` as BusinessDate });

export function isWorkingDay(date: BusinessDate): boolean {
  return chineseDays.isWorkday(date);
}

/** The date itself when it is a working day, else the next working day (the "following" convention). */
export function nextWorkingDay(date: BusinessDate): BusinessDate {
  let d = date;
  while (!isWorkingDay(d)) d = addDays(d, 1);
  return d;
}
