import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR } from '../paths.ts';
import type { CalendarData } from './index.ts';
import { BusinessCalendar, CalendarError, loadCalendarFile, parseCalendarData } from './index.ts';

const cnData = loadCalendarFile(path.join(DATA_DIR, 'calendars', 'CN.json'));
const cn = new BusinessCalendar(cnData);

/** Weekday of a plain date, independent of any time zone. */
const weekday = (date: string) => new Date(`${date}T00:00:00Z`).getUTCDay();

/** A minimal valid file in its on-disk (snake_case) form, for the validation tests to break. */
function rawCalendar(): Record<string, any> {
  return {
    country: 'XX',
    timezone: 'Asia/Shanghai',
    source: 'test fixture',
    coverage: { from: '2026-01-01', to: '2026-12-31' },
    weekend_days: [0, 6],
    holidays: [{ date: '2026-03-02', name: 'Fixture holiday' }],
    working_weekends: [{ date: '2026-03-07', name: 'Fixture working Saturday' }],
  };
}

describe('data/calendars/CN.json', () => {
  it('describes mainland China in Asia/Shanghai for 2025 and 2026', () => {
    expect(cnData.country).toBe('CN');
    expect(cnData.timezone).toBe('Asia/Shanghai');
    expect(cnData.coverage).toEqual({ from: '2025-01-01', to: '2026-12-31' });
    expect(cnData.weekendDays).toEqual([0, 6]);
    expect(cnData.holidays.some((d) => d.date.startsWith('2025-'))).toBe(true);
    expect(cnData.holidays.some((d) => d.date.startsWith('2026-'))).toBe(true);
  });

  it.each([
    ['2025', 5],
    ['2026', 6],
  ])('lists the make-up working weekends of %s (%i days)', (year, count) => {
    expect(cnData.workingWeekends.filter((d) => d.date.startsWith(`${year}-`))).toHaveLength(count);
  });

  it('lists exactly the published make-up working days', () => {
    expect(cnData.workingWeekends.map((d) => d.date)).toEqual([
      '2025-01-26',
      '2025-02-08',
      '2025-04-27',
      '2025-09-28',
      '2025-10-11',
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
  });

  // Since 2025 China has 13 statutory days off a year (counted as weekdays where they fall on a
  // weekend), and each make-up weekend buys one more weekday off: 13 + 5 and 13 + 6.
  it.each([
    ['2025', 18],
    ['2026', 19],
  ])('gives %s %i weekdays off', (year, count) => {
    const weekdaysOff = cnData.holidays.filter((d) => d.date.startsWith(`${year}-`) && ![0, 6].includes(weekday(d.date)));
    expect(weekdaysOff).toHaveLength(count);
  });

  it.each(cnData.holidays.map((d) => [d.date, d.name] as const))('%s (%s) is not a business day', (date) => {
    expect(cn.isBusinessDay(date)).toBe(false);
  });

  it.each(cnData.workingWeekends.map((d) => [d.date, d.name] as const))('%s (%s) is a business day', (date) => {
    expect([0, 6]).toContain(weekday(date));
    expect(cn.isBusinessDay(date)).toBe(true);
  });
});

describe('isBusinessDay', () => {
  it.each([
    ['2026-03-09', true], // Monday
    ['2026-03-13', true], // Friday
    ['2026-03-14', false], // Saturday
    ['2026-03-15', false], // Sunday
    ['2026-10-08', true], // Thursday after National Day
    ['2025-10-08', false], // 2025: National Day and Mid-Autumn run to the 8th
    ['2025-12-31', true],
    ['2026-01-01', false],
  ])('%s → %s', (date, expected) => {
    expect(cn.isBusinessDay(date)).toBe(expected);
  });

  it('refuses dates that do not exist', () => {
    expect(() => cn.isBusinessDay('2026-02-30')).toThrow(CalendarError);
    expect(() => cn.isBusinessDay('2026-2-3')).toThrow(/YYYY-MM-DD/);
  });
});

describe('covers', () => {
  it.each([
    ['2024-12-31', false],
    ['2025-01-01', true],
    ['2026-12-31', true],
    ['2027-01-01', false],
  ])('%s → %s', (date, expected) => {
    expect(cn.covers(date)).toBe(expected);
  });

  it('outside the coverage only weekends are off', () => {
    // 2027-01-01 will be a public holiday, but no notice for 2027 is in the data.
    expect(cn.isBusinessDay('2027-01-01')).toBe(true);
    expect(cn.isBusinessDay('2027-01-02')).toBe(false);
    expect(cn.isBusinessDay('2024-12-31')).toBe(true);
  });
});

describe('localDate', () => {
  it.each([
    ['2026-02-13T15:59:59Z', '2026-02-13'],
    ['2026-02-13T16:00:00Z', '2026-02-14'],
    ['2026-02-13T17:00:00Z', '2026-02-14'],
    ['2025-12-31T16:00:00Z', '2026-01-01'],
    ['2026-09-30T02:00:00Z', '2026-09-30'],
  ])('%s is %s in Shanghai', (instant, date) => {
    expect(cn.localDate(new Date(instant))).toBe(date);
  });
});

describe('endOfBusinessDaysAfter', () => {
  it.each([
    // A normal week: Monday → Tue, Wed, Thu.
    ['2026-03-09T10:00:00+08:00', 3, '2026-03-12T16:00:00.000Z'],
    ['2026-03-09T10:00:00+08:00', 1, '2026-03-10T16:00:00.000Z'],
    // Thursday → Fri, Mon, Tue over an ordinary weekend.
    ['2026-03-12T10:00:00+08:00', 3, '2026-03-17T16:00:00.000Z'],
    // Submitted on a Saturday: Monday is day 1.
    ['2026-03-14T10:00:00+08:00', 1, '2026-03-16T16:00:00.000Z'],
    // National Day 2026: Oct 1–7 off, Oct 8 day 1, Oct 9 day 2, Oct 10 (make-up Saturday) day 3.
    ['2026-09-30T10:00:00+08:00', 3, '2026-10-10T16:00:00.000Z'],
    // Friday before the Spring Festival: Feb 14 (make-up Saturday) day 1, Feb 15–23 off, Feb 24, Feb 25.
    ['2026-02-13T23:30:00+08:00', 3, '2026-02-25T16:00:00.000Z'],
    // Spring Festival 2025: Jan 26 (make-up Sunday), Jan 27, then Jan 28 – Feb 4 off, Feb 5 day 3.
    ['2025-01-24T09:00:00+08:00', 3, '2025-02-05T16:00:00.000Z'],
    // Across the 2025 make-up Sunday before the Spring Festival: Jan 26 (Sun) day 1, Jan 27 day 2.
    ['2025-01-24T09:00:00+08:00', 2, '2025-01-27T16:00:00.000Z'],
    // 2025 National Day + Mid-Autumn: Sep 28 (Sun) and Sep 29, 30 work, Oct 1–8 off, Oct 9 day 4.
    ['2025-09-26T09:00:00+08:00', 4, '2025-10-09T16:00:00.000Z'],
  ])('from %s, %i business day(s) end at %s', (from, n, expected) => {
    expect(cn.endOfBusinessDaysAfter(new Date(from), n).toISOString()).toBe(expected);
  });

  it('counts from the local date, not the UTC date', () => {
    // 17:00Z on Feb 13 is 01:00 on Saturday Feb 14 in Shanghai, so that make-up Saturday is the
    // submission day and does not count; day 1 is Feb 24.
    expect(cn.endOfBusinessDaysAfter(new Date('2026-02-13T17:00:00Z'), 1).toISOString()).toBe('2026-02-24T16:00:00.000Z');
    // One minute before local midnight it is still Friday, so Saturday Feb 14 is day 1.
    expect(cn.endOfBusinessDaysAfter(new Date('2026-02-13T15:59:00Z'), 1).toISOString()).toBe('2026-02-14T16:00:00.000Z');
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses n = %s', (n) => {
    expect(() => cn.endOfBusinessDaysAfter(new Date('2026-03-09T02:00:00Z'), n)).toThrow(CalendarError);
  });
});

describe('businessDaysBetween', () => {
  it.each([
    // The deadline itself: nothing overdue yet.
    ['2026-10-10T16:00:00Z', '2026-10-10T16:00:00Z', 0],
    // Deadline end of Sat Oct 10; Sunday Oct 11 is not a business day.
    ['2026-10-10T16:00:00Z', '2026-10-11T23:00:00+08:00', 0],
    ['2026-10-10T16:00:00Z', '2026-10-13T00:00:00+08:00', 1],
    ['2026-10-10T16:00:00Z', '2026-10-13T23:59:00+08:00', 1],
    ['2026-10-10T16:00:00Z', '2026-10-14T00:00:00+08:00', 2],
    // Across the 2026 Spring Festival: Feb 13 (Fri), Feb 14 (make-up Sat), then Feb 24.
    ['2026-02-13T00:00:00+08:00', '2026-02-25T00:00:00+08:00', 3],
    // Starting mid-day, that day is not whole.
    ['2026-02-13T09:00:00+08:00', '2026-02-25T00:00:00+08:00', 2],
    // Backwards is zero, not negative.
    ['2026-03-20T00:00:00+08:00', '2026-03-10T00:00:00+08:00', 0],
  ])('from %s to %s → %i', (from, to, expected) => {
    expect(cn.businessDaysBetween(new Date(from), new Date(to))).toBe(expected);
  });

  it.each([
    ['2026-09-30T10:00:00+08:00', 3],
    ['2026-02-13T23:30:00+08:00', 3],
    ['2025-01-24T09:00:00+08:00', 5],
  ])('a deadline of n business days after %s is n business days away', (from, n) => {
    const start = new Date(from);
    expect(cn.businessDaysBetween(start, cn.endOfBusinessDaysAfter(start, n))).toBe(n);
  });
});

describe('overrides', () => {
  const withOverrides = new BusinessCalendar(cnData, [
    { date: '2026-03-11', kind: 'holiday', name: 'Office closed' }, // Wednesday
    { date: '2026-03-15', kind: 'working_day', name: 'Catch-up Sunday' },
    { date: '2026-10-05', kind: 'working_day', name: 'Operators work this National Day Monday' },
  ]);

  it.each([
    ['2026-03-11', false],
    ['2026-03-15', true],
    ['2026-10-05', true],
    ['2026-03-14', false],
  ])('%s → %s', (date, expected) => {
    expect(withOverrides.isBusinessDay(date)).toBe(expected);
  });

  it('do not change the calendar they were not given to', () => {
    expect(cn.isBusinessDay('2026-03-11')).toBe(true);
    expect(cn.isBusinessDay('2026-03-15')).toBe(false);
  });

  it('move deadlines', () => {
    // Monday Mar 9: Tue 10 day 1, Wed 11 closed, Thu 12 day 2, Fri 13 day 3.
    expect(withOverrides.endOfBusinessDaysAfter(new Date('2026-03-09T10:00:00+08:00'), 3).toISOString()).toBe(
      '2026-03-13T16:00:00.000Z',
    );
    // Friday Mar 13: Sunday Mar 15 is worked and is day 1.
    expect(withOverrides.endOfBusinessDaysAfter(new Date('2026-03-13T10:00:00+08:00'), 1).toISOString()).toBe(
      '2026-03-15T16:00:00.000Z',
    );
  });

  it('the last override for a date wins', () => {
    const calendar = new BusinessCalendar(cnData, [
      { date: '2026-03-11', kind: 'holiday', name: 'Closed' },
      { date: '2026-03-11', kind: 'working_day', name: 'Reopened' },
    ]);
    expect(calendar.isBusinessDay('2026-03-11')).toBe(true);
  });

  it('refuse invalid dates', () => {
    expect(() => new BusinessCalendar(cnData, [{ date: '2026-02-30', kind: 'holiday', name: 'x' }])).toThrow(
      /override date.*"2026-02-30"/,
    );
  });
});

describe('parseCalendarData', () => {
  it('converts the file keys to camelCase', () => {
    const parsed: CalendarData = parseCalendarData(rawCalendar());
    expect(parsed).toEqual({
      country: 'XX',
      timezone: 'Asia/Shanghai',
      source: 'test fixture',
      coverage: { from: '2026-01-01', to: '2026-12-31' },
      weekendDays: [0, 6],
      holidays: [{ date: '2026-03-02', name: 'Fixture holiday' }],
      workingWeekends: [{ date: '2026-03-07', name: 'Fixture working Saturday' }],
    });
  });

  it.each<[string, (raw: Record<string, any>) => void, RegExp]>([
    ['a holiday on Feb 30', (raw) => (raw.holidays[0].date = '2026-02-30'), /"holidays\[0\]\.date".*"2026-02-30"/],
    ['a holiday on Feb 29 of a common year', (raw) => (raw.holidays[0].date = '2026-02-29'), /"holidays\[0\]\.date"/],
    ['a month 13', (raw) => (raw.coverage.to = '2026-13-01'), /"coverage\.to"/],
    ['a date without zero padding', (raw) => (raw.working_weekends[0].date = '2026-3-7'), /"working_weekends\[0\]\.date"/],
    ['a missing country', (raw) => delete raw.country, /"country" is missing/],
    ['a missing timezone', (raw) => delete raw.timezone, /"timezone" is missing/],
    ['an unknown timezone', (raw) => (raw.timezone = 'Asia/Atlantis'), /"timezone"/],
    ['a missing source', (raw) => delete raw.source, /"source" is missing/],
    ['a missing coverage', (raw) => delete raw.coverage, /"coverage" is missing/],
    ['a missing coverage.from', (raw) => delete raw.coverage.from, /"coverage\.from" is missing/],
    ['a backwards coverage', (raw) => (raw.coverage.from = '2027-01-01'), /"coverage" runs backwards/],
    ['a missing weekend_days', (raw) => delete raw.weekend_days, /"weekend_days" is missing/],
    ['a weekday number 7', (raw) => (raw.weekend_days = [0, 7]), /"weekend_days\[1\]"/],
    ['a week with no working day', (raw) => (raw.weekend_days = [0, 1, 2, 3, 4, 5, 6]), /"weekend_days"/],
    ['a missing holidays list', (raw) => delete raw.holidays, /"holidays" is missing/],
    ['a missing working_weekends list', (raw) => delete raw.working_weekends, /"working_weekends" is missing/],
    ['a holiday without a name', (raw) => delete raw.holidays[0].name, /"holidays\[0\]\.name" is missing/],
    ['a holiday outside coverage', (raw) => (raw.holidays[0].date = '2027-01-01'), /"holidays\[0\]\.date".*outside coverage/],
    [
      'a date both off and worked',
      (raw) => raw.holidays.push({ date: '2026-03-07', name: 'Clash' }),
      /"working_weekends\[0\]\.date".*already listed at holidays\[1\]\.date/,
    ],
    [
      'a working weekend on a weekday',
      (raw) => (raw.working_weekends[0].date = '2026-03-09'),
      /"working_weekends\[0\]\.date" 2026-03-09 is not a weekend day/,
    ],
  ])('rejects %s', (_label, breakIt, message) => {
    const raw = rawCalendar();
    breakIt(raw);
    expect(() => parseCalendarData(raw)).toThrow(CalendarError);
    expect(() => parseCalendarData(raw)).toThrow(message);
  });

  it.each([null, [], 'CN', 42])('rejects %j as a whole', (value) => {
    expect(() => parseCalendarData(value)).toThrow(/must be a JSON object/);
  });

  it('names the file when loading fails', () => {
    expect(() => loadCalendarFile(path.join(DATA_DIR, 'calendars', 'nowhere.json'))).toThrow(/nowhere\.json/);
  });
});
