import { describe, expect, it } from "vitest";
import { dayInTimezone, isValidTimezone, recentDays } from "./time";

describe("shop-local days", () => {
  it("puts an instant on the shop's calendar day", () => {
    const at = new Date("2026-11-24T02:30:00Z");
    expect(dayInTimezone(at, "UTC")).toBe("2026-11-24");
    expect(dayInTimezone(at, "America/Los_Angeles")).toBe("2026-11-23");
    expect(dayInTimezone(at, "Asia/Tokyo")).toBe("2026-11-24");
  });

  it("lists recent days oldest first, without duplicates across DST", () => {
    expect(recentDays(new Date("2026-11-24T12:00:00Z"), "UTC", 3)).toEqual(["2026-11-22", "2026-11-23", "2026-11-24"]);
    const aroundDst = recentDays(new Date("2026-11-02T06:30:00Z"), "America/New_York", 5);
    expect(new Set(aroundDst).size).toBe(aroundDst.length);
  });

  it("validates timezone names", () => {
    expect(isValidTimezone("Europe/Berlin")).toBe(true);
    expect(isValidTimezone("Mars/Olympus")).toBe(false);
  });
});
