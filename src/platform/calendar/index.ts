import { readFileSync } from 'node:fs';
import { TZDate } from '@date-fns/tz';

/**
 * Business-day arithmetic for SLAs such as "review within 3 business days on China's calendar".
 *
 * Which days are worked is data, not code: countries like China move weekend days into working
 * days around long holidays, and the government publishes each year's arrangement only a few
 * weeks ahead. The data file lists that year's days off and worked weekends; operators add late
 * changes as overrides without a release.
 *
 * Dates here are calendar dates (`YYYY-MM-DD`) in the calendar's own time zone. They are handled
 * as plain dates, so a day is always a day whatever the server's zone; only the edges of a day
 * (local midnight) become instants.
 */

export interface CalendarDay {
  /** `YYYY-MM-DD`. */
  date: string;
  name: string;
}

export interface CalendarData {
  country: string;
  /** IANA time-zone name; decides which calendar date an instant falls on. */
  timezone: string;
  /** Where the dates come from, so a reviewer can check them against the publication. */
  source: string;
  /** The dates the holiday lists are complete for, both ends included. */
  coverage: { from: string; to: string };
  /** Days of the week that are off unless listed as working weekends: 0 = Sunday … 6 = Saturday. */
  weekendDays: number[];
  /** Days off; weekend dates inside a holiday period may be listed too. */
  holidays: CalendarDay[];
  /** Weekend dates that are working days (make-up days for a long holiday). */
  workingWeekends: CalendarDay[];
}

export interface CalendarOverride {
  date: string;
  kind: 'holiday' | 'working_day';
  name: string;
}

export class CalendarError extends Error {
  override name = 'CalendarError';
}

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 for a valid `YYYY-MM-DD`, or null if the string is not a real date. */
function dayNumber(date: string): number | null {
  const match = DATE_PATTERN.exec(date);
  if (!match) return null;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  const probe = new Date(0);
  probe.setUTCFullYear(year, month - 1, day);
  if (probe.getUTCFullYear() !== year || probe.getUTCMonth() !== month - 1 || probe.getUTCDate() !== day) return null;
  return Math.round(probe.getTime() / DAY_MS);
}

function dateOfDayNumber(dayNo: number): string {
  const d = new Date(dayNo * DAY_MS);
  const year = String(d.getUTCFullYear()).padStart(4, '0');
  const month = String(d.getUTCMonth() + 1).padStart(2, '0');
  const day = String(d.getUTCDate()).padStart(2, '0');
  return `${year}-${month}-${day}`;
}

function weekdayOfDayNumber(dayNo: number): number {
  // 1970-01-01 was a Thursday (4).
  return (((dayNo + 4) % 7) + 7) % 7;
}

export function isValidDate(date: string): boolean {
  return dayNumber(date) !== null;
}

function requireDate(date: string, what: string): number {
  const dayNo = typeof date === 'string' ? dayNumber(date) : null;
  if (dayNo === null) throw new CalendarError(`${what} must be a real date as YYYY-MM-DD, got ${JSON.stringify(date)}`);
  return dayNo;
}

function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(field: string, problem: string): never {
  throw new CalendarError(`Calendar data: "${field}" ${problem}`);
}

function nonEmptyString(record: Record<string, unknown>, key: string, field: string): string {
  const value = record[key];
  if (value === undefined) fail(field, 'is missing');
  if (typeof value !== 'string' || value.trim() === '') fail(field, 'must be a non-empty string');
  return value;
}

function dateField(record: Record<string, unknown>, key: string, field: string): string {
  const value = nonEmptyString(record, key, field);
  if (!isValidDate(value)) fail(field, `must be a real date as YYYY-MM-DD, got ${JSON.stringify(value)}`);
  return value;
}

function dayList(record: Record<string, unknown>, key: string): CalendarDay[] {
  const value = record[key];
  if (value === undefined) fail(key, 'is missing');
  if (!Array.isArray(value)) fail(key, 'must be an array');
  return value.map((entry: unknown, index) => {
    const field = `${key}[${index}]`;
    if (!isRecord(entry)) fail(field, 'must be an object with "date" and "name"');
    return { date: dateField(entry, 'date', `${field}.date`), name: nonEmptyString(entry, 'name', `${field}.name`) };
  });
}

/**
 * Checks a calendar file's content and returns it with camelCase keys. Throws a CalendarError
 * naming the first bad field. Besides the shape it refuses what would silently skew deadlines:
 * unknown time zones, dates outside the stated coverage, the same date listed twice or as both a
 * holiday and a working day, and "working weekends" that are not weekend days.
 */
export function parseCalendarData(json: unknown): CalendarData {
  if (!isRecord(json)) throw new CalendarError('Calendar data must be a JSON object');

  const country = nonEmptyString(json, 'country', 'country');
  const timezone = nonEmptyString(json, 'timezone', 'timezone');
  if (!isValidTimeZone(timezone)) fail('timezone', `is not a known IANA time zone: ${JSON.stringify(timezone)}`);
  const source = nonEmptyString(json, 'source', 'source');

  const coverageValue = json.coverage;
  if (coverageValue === undefined) fail('coverage', 'is missing');
  if (!isRecord(coverageValue)) fail('coverage', 'must be an object with "from" and "to"');
  const coverage = {
    from: dateField(coverageValue, 'from', 'coverage.from'),
    to: dateField(coverageValue, 'to', 'coverage.to'),
  };
  if (coverage.from > coverage.to) fail('coverage', `runs backwards: ${coverage.from} is after ${coverage.to}`);

  const weekendValue = json.weekend_days;
  if (weekendValue === undefined) fail('weekend_days', 'is missing');
  if (!Array.isArray(weekendValue)) fail('weekend_days', 'must be an array of weekday numbers 0–6');
  weekendValue.forEach((day: unknown, index) => {
    if (typeof day !== 'number' || !Number.isInteger(day) || day < 0 || day > 6) {
      fail(`weekend_days[${index}]`, `must be a weekday number 0 (Sunday) to 6 (Saturday), got ${JSON.stringify(day)}`);
    }
  });
  const weekendDays = [...new Set(weekendValue as number[])].sort((a, b) => a - b);
  // With every weekday off, counting business days outside the coverage would never end.
  if (weekendDays.length > 6) fail('weekend_days', 'cannot make every day of the week a weekend day');

  const holidays = dayList(json, 'holidays');
  const workingWeekends = dayList(json, 'working_weekends');

  const seen = new Map<string, string>();
  const check = (list: CalendarDay[], key: string) => {
    list.forEach((entry, index) => {
      const field = `${key}[${index}].date`;
      if (entry.date < coverage.from || entry.date > coverage.to) {
        fail(field, `${entry.date} is outside coverage ${coverage.from}..${coverage.to}`);
      }
      const earlier = seen.get(entry.date);
      if (earlier) fail(field, `${entry.date} is already listed at ${earlier}`);
      seen.set(entry.date, field);
    });
  };
  check(holidays, 'holidays');
  check(workingWeekends, 'working_weekends');
  workingWeekends.forEach((entry, index) => {
    const weekday = weekdayOfDayNumber(dayNumber(entry.date) as number);
    if (!weekendDays.includes(weekday)) {
      fail(`working_weekends[${index}].date`, `${entry.date} is not a weekend day (weekday ${weekday})`);
    }
  });

  return { country, timezone, source, coverage, weekendDays, holidays, workingWeekends };
}

/** Reads and checks a calendar file such as `data/calendars/CN.json`. */
export function loadCalendarFile(file: string): CalendarData {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new CalendarError(`Cannot read calendar file ${file}: ${(error as Error).message}`);
  }
  try {
    return parseCalendarData(json);
  } catch (error) {
    throw new CalendarError(`${file}: ${(error as Error).message}`);
  }
}

/**
 * Answers "is this a business day" and counts business days for one country.
 *
 * A date is decided by, in order: an override for it (the last one given wins), the data file's
 * holidays and working weekends, then the weekend rule. Outside the data's coverage the file
 * says nothing, so only weekend days are off there (plus any overrides); holidays for a year not
 * yet published are not known. Callers that must not guess can check `covers()`.
 */
export class BusinessCalendar {
  readonly country: string;
  readonly timezone: string;
  readonly #coverageFrom: number;
  readonly #coverageTo: number;
  readonly #weekendDays: ReadonlySet<number>;
  readonly #daysOff = new Set<number>();
  readonly #workingWeekends = new Set<number>();
  readonly #overrides = new Map<number, CalendarOverride['kind']>();

  constructor(data: CalendarData, overrides: CalendarOverride[] = []) {
    this.country = data.country;
    this.timezone = data.timezone;
    if (!isValidTimeZone(data.timezone)) throw new CalendarError(`Unknown time zone ${JSON.stringify(data.timezone)}`);
    this.#coverageFrom = requireDate(data.coverage.from, 'coverage.from');
    this.#coverageTo = requireDate(data.coverage.to, 'coverage.to');
    this.#weekendDays = new Set(data.weekendDays);
    if (this.#weekendDays.size > 6) throw new CalendarError('weekendDays cannot cover the whole week');
    for (const day of data.holidays) this.#daysOff.add(requireDate(day.date, 'holiday date'));
    for (const day of data.workingWeekends) this.#workingWeekends.add(requireDate(day.date, 'working weekend date'));
    for (const override of overrides) {
      if (override.kind !== 'holiday' && override.kind !== 'working_day') {
        throw new CalendarError(`Override kind must be "holiday" or "working_day", got ${JSON.stringify(override.kind)}`);
      }
      this.#overrides.set(requireDate(override.date, 'override date'), override.kind);
    }
  }

  /** The calendar date, in the calendar's time zone, on which `instant` falls. */
  localDate(instant: Date): string {
    if (Number.isNaN(instant.getTime())) throw new CalendarError('localDate needs a valid Date');
    const local = new TZDate(instant.getTime(), this.timezone);
    const year = String(local.getFullYear()).padStart(4, '0');
    const month = String(local.getMonth() + 1).padStart(2, '0');
    const day = String(local.getDate()).padStart(2, '0');
    return `${year}-${month}-${day}`;
  }

  isBusinessDay(date: string): boolean {
    return this.#isBusinessDayNumber(requireDate(date, 'date'));
  }

  /**
   * Whether the data file's holidays are complete for `date`. Outside the coverage only weekend
   * days and overrides are known to be off, so results there may miss public holidays.
   */
  covers(date: string): boolean {
    const dayNo = requireDate(date, 'date');
    return dayNo >= this.#coverageFrom && dayNo <= this.#coverageTo;
  }

  /**
   * The instant at which the n-th business day after the local date of `from` ends (local
   * midnight after it). Day 1 is the first business day strictly after the local date of `from`,
   * so the rest of the submission day never counts, whether or not it is a business day. n >= 1.
   */
  endOfBusinessDaysAfter(from: Date, n: number): Date {
    if (!Number.isInteger(n) || n < 1) throw new CalendarError(`n must be a whole number >= 1, got ${n}`);
    let dayNo = this.#dayNumberOf(from);
    let counted = 0;
    while (counted < n) {
      dayNo += 1;
      if (this.#isBusinessDayNumber(dayNo)) counted += 1;
    }
    return this.#startOfDay(dayNo + 1);
  }

  /**
   * Whole business days that lie entirely between two instants: a day counts when its local
   * midnight start is at or after `from` and its end is at or before `to`. Measured from a
   * deadline made by `endOfBusinessDaysAfter`, this is how many business days a task is overdue.
   * Returns 0 when `to` is not after `from`.
   */
  businessDaysBetween(from: Date, to: Date): number {
    if (to.getTime() <= from.getTime()) return 0;
    let first = this.#dayNumberOf(from);
    if (this.#startOfDay(first).getTime() < from.getTime()) first += 1;
    // Every day before the local date of `to` has ended by `to`; that date itself has not.
    const end = this.#dayNumberOf(to);
    let count = 0;
    for (let dayNo = first; dayNo < end; dayNo += 1) {
      if (this.#isBusinessDayNumber(dayNo)) count += 1;
    }
    return count;
  }

  #isBusinessDayNumber(dayNo: number): boolean {
    const override = this.#overrides.get(dayNo);
    if (override) return override === 'working_day';
    if (this.#daysOff.has(dayNo)) return false;
    if (this.#workingWeekends.has(dayNo)) return true;
    return !this.#weekendDays.has(weekdayOfDayNumber(dayNo));
  }

  #dayNumberOf(instant: Date): number {
    return dayNumber(this.localDate(instant)) as number;
  }

  /** Local midnight at the start of a date, as an instant. */
  #startOfDay(dayNo: number): Date {
    const [year, month, day] = dateOfDayNumber(dayNo).split('-').map(Number) as [number, number, number];
    return new Date(new TZDate(year, month - 1, day, this.timezone).getTime());
  }
}
