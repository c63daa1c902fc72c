import { describe, expect, it } from 'vitest';
import { isoWeek, isoWeekLabel, isoWeekStart, lastWeeks, shortDay } from '../../src/insights/weeks.js';

/** Issue 14, Insights: incidents are bucketed by ISO week, in UTC, weeks starting on Monday. */
describe('ISO weeks in UTC', () => {
  it('puts the last days of December into week 1 of the next year when its Thursday is there', () => {
    // Monday, December 30, 2024 starts 2025-W01 (its Thursday is January 2, 2025).
    expect(isoWeekLabel(Date.parse('2024-12-30T00:00:00Z'))).toBe('2025-W01');
    expect(isoWeekLabel(Date.parse('2025-01-05T23:59:59Z'))).toBe('2025-W01');
    // Sunday, December 29, 2024, one second before midnight UTC, is still 2024-W52.
    expect(isoWeekLabel(Date.parse('2024-12-29T23:59:59Z'))).toBe('2024-W52');
    expect(isoWeekStart(Date.parse('2024-12-29T23:59:59Z'))).toBe(Date.parse('2024-12-23T00:00:00Z'));
  });

  it('puts the first days of January into the last week of the year before when its Thursday is there', () => {
    // Friday, January 1, 2021 belongs to 2020-W53 (2020 had 53 ISO weeks).
    expect(isoWeek(Date.parse('2021-01-01T12:00:00Z'))).toEqual({ year: 2020, week: 53 });
    expect(isoWeekStart(Date.parse('2021-01-03T23:00:00Z'))).toBe(Date.parse('2020-12-28T00:00:00Z'));
    expect(isoWeekLabel(Date.parse('2021-01-04T00:00:00Z'))).toBe('2021-W01');
  });

  it('uses UTC, not the local zone: a Monday 00:30 UTC is in the new week', () => {
    expect(isoWeekStart(Date.parse('2025-03-10T00:30:00Z'))).toBe(Date.parse('2025-03-10T00:00:00Z'));
    expect(isoWeekStart(Date.parse('2025-03-09T23:30:00-01:00'))).toBe(Date.parse('2025-03-10T00:00:00Z'));
  });

  it('lists the window of weeks ending with the current one, oldest first, across the year boundary', () => {
    const weeks = lastWeeks(new Date('2025-01-08T15:00:00Z'), 4);
    expect(weeks.map(isoWeekLabel)).toEqual(['2024-W51', '2024-W52', '2025-W01', '2025-W02']);
    expect(weeks.map(shortDay)).toEqual(['Dec 16', 'Dec 23', 'Dec 30', 'Jan 6']);
  });
});
