import { BusinessClock, businessCalendarCopy } from '#loans';

/**
 * Restructuring's business clock: its own copy of Loans' calendar
 * (`rm_restructuring_business_calendar`, folded from Loans' published calendar events with the fold
 * Loans exports). A filing, assessment, approval, offer or acceptance is decided on the open business
 * date of this copy; Restructuring never reads Loans' calendar stream for its own dates.
 */
export const RESTRUCTURING_CALENDAR_TABLE = 'rm_restructuring_business_calendar';

export const restructuringCalendarProjection = businessCalendarCopy({ name: 'restructuring_business_calendar', table: RESTRUCTURING_CALENDAR_TABLE });

export class RestructuringClock extends BusinessClock {}
