import { describe, expect, it } from "vitest";
import { chooseDateRange, describeRange, lastDays, MAX_RANGE_DAYS } from "./date-range";
import { addDays, dayList, daysInclusive, isDay } from "./days";

const TODAY = "2026-11-24";

describe("days", () => {
  it("knows real calendar days and counts them across month, year and leap-day boundaries", () => {
    expect(isDay("2024-02-29")).toBe(true);
    expect(isDay("2026-02-29")).toBe(false);
    expect(isDay("2026-13-01")).toBe(false);
    expect(isDay("2026-1-01")).toBe(false);
    expect(isDay("2026-11-24T00:00")).toBe(false);
    expect(addDays("2026-12-31", 1)).toBe("2027-01-01");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
    // The day a European shop moves its clocks is still one day.
    expect(dayList("2026-10-24", "2026-10-26")).toEqual(["2026-10-24", "2026-10-25", "2026-10-26"]);
    expect(daysInclusive("2026-01-01", "2026-12-31")).toBe(365);
  });
});

describe("chooseDateRange", () => {
  it("defaults to the last 30 days, today included", () => {
    expect(chooseDateRange({}, TODAY)).toEqual({ range: { from: "2026-10-26", to: TODAY, days: 30, preset: 30 }, notice: null });
  });

  it("takes a valid range as given, and recognises the presets", () => {
    expect(chooseDateRange({ from: "2026-11-18", to: TODAY }, TODAY)).toEqual({
      range: { from: "2026-11-18", to: TODAY, days: 7, preset: 7 },
      notice: null,
    });
    expect(chooseDateRange({ from: "2026-08-27", to: TODAY }, TODAY).range.preset).toBe(90);
    expect(chooseDateRange({ from: "2026-03-01", to: "2026-03-31" }, TODAY)).toEqual({
      range: { from: "2026-03-01", to: "2026-03-31", days: 31, preset: null },
      notice: null,
    });
    expect(chooseDateRange({ from: TODAY, to: TODAY }, TODAY).range.days).toBe(1);
  });

  it("falls back to the last 30 days with a reason for a missing half, a malformed, impossible or reversed date", () => {
    const cases: Array<[{ from?: string; to?: string }, RegExp]> = [
      [{ from: "2026-11-01" }, /needs both a start and an end/],
      [{ to: "2026-11-01" }, /needs both a start and an end/],
      [{ from: "yesterday", to: TODAY }, /“yesterday” is not a date/],
      [{ from: "2026-02-30", to: TODAY }, /“2026-02-30” is not a date/],
      [{ from: "2026-11-01", to: "2026-11-01' OR 1=1" }, /is not a date/],
      [{ from: "2026-11-20", to: "2026-11-10" }, /start date 2026-11-20 is after the end date 2026-11-10/],
      [{ from: "2026-12-01", to: "2026-12-31" }, /has not happened yet/],
      [{ from: "2020-01-01", to: TODAY }, new RegExp(`at most ${MAX_RANGE_DAYS} days`)],
    ];
    for (const [query, why] of cases) {
      const choice = chooseDateRange(query, TODAY);
      expect(choice.range).toEqual(lastDays(TODAY, 30));
      expect(choice.notice).toMatch(why);
      expect(choice.notice).toMatch(/Showing the last 30 days instead\.$/);
    }
  });

  it("quotes a long or hostile value back short and without control characters", () => {
    const notice = chooseDateRange({ from: `${"x".repeat(5000)}\u0000\n`, to: TODAY }, TODAY).notice!;
    expect(notice.length).toBeLessThan(120);
    expect(notice).not.toMatch(/[\u0000\n]/);
  });

  it("accepts exactly the longest range and cuts an end after today to today", () => {
    const longest = chooseDateRange({ from: addDays(TODAY, -(MAX_RANGE_DAYS - 1)), to: TODAY }, TODAY);
    expect(longest).toMatchObject({ range: { days: MAX_RANGE_DAYS }, notice: null });
    expect(chooseDateRange({ from: addDays(TODAY, -MAX_RANGE_DAYS), to: TODAY }, TODAY).notice).toMatch(/at most/);
    const cut = chooseDateRange({ from: "2026-11-18", to: "2026-12-31" }, TODAY);
    expect(cut.range).toEqual({ from: "2026-11-18", to: TODAY, days: 7, preset: 7 });
    expect(cut.notice).toMatch(/ends today \(2026-11-24\)/);
  });
});

describe("describeRange", () => {
  it("names presets and custom ranges the way the merchant reads them", () => {
    expect(describeRange(lastDays(TODAY, 7))).toBe("Last 7 days");
    expect(describeRange({ from: "2026-10-03", to: "2026-11-20", days: 49, preset: null })).toBe("Oct 3 – Nov 20, 2026");
    expect(describeRange({ from: "2025-12-20", to: "2026-01-05", days: 17, preset: null })).toBe("Dec 20, 2025 – Jan 5, 2026");
    expect(describeRange({ from: "2026-11-01", to: "2026-11-01", days: 1, preset: null })).toBe("Nov 1, 2026");
  });
});
