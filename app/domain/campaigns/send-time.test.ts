import { describe, expect, it } from "vitest";
import { isKnownTimezone, launchAt, recipientSendAt, recipientTimezone } from "./send-time";

const launched = new Date("2026-11-26T20:00:00Z");
const local = { kind: "local_time", date: "2026-11-27", time: "09:00" } as const;

describe("recipient timezone", () => {
  it("takes a valid profile timezone, else the shop's", () => {
    expect(recipientTimezone({ timezone: "Asia/Tokyo" }, "Europe/Berlin", isKnownTimezone)).toBe("Asia/Tokyo");
    expect(recipientTimezone({ timezone: "Mars/Olympus" }, "Europe/Berlin", isKnownTimezone)).toBe("Europe/Berlin");
    expect(recipientTimezone({ timezone: 3 }, "Europe/Berlin", isKnownTimezone)).toBe("Europe/Berlin");
    expect(recipientTimezone(null, "Europe/Berlin", isKnownTimezone)).toBe("Europe/Berlin");
    expect(recipientTimezone(["Asia/Tokyo"], "UTC", isKnownTimezone)).toBe("UTC");
  });
});

describe("send instant", () => {
  it("sends 09:00 local in each recipient's timezone", () => {
    expect(recipientSendAt(local, launched, "Asia/Tokyo").toISOString()).toBe("2026-11-27T00:00:00.000Z");
    expect(recipientSendAt(local, launched, "Europe/Berlin").toISOString()).toBe("2026-11-27T08:00:00.000Z");
    expect(recipientSendAt(local, launched, "America/Los_Angeles").toISOString()).toBe("2026-11-27T17:00:00.000Z");
  });

  it("sends at launch when the local time already passed there", () => {
    expect(recipientSendAt(local, new Date("2026-11-27T10:00:00Z"), "Asia/Tokyo").toISOString()).toBe("2026-11-27T10:00:00.000Z");
  });

  it("handles a DST night: a skipped 02:30 moves forward an hour", () => {
    const spring = { kind: "local_time", date: "2026-03-29", time: "02:30" } as const;
    expect(recipientSendAt(spring, new Date("2026-03-28T00:00:00Z"), "Europe/Berlin").toISOString()).toBe("2026-03-29T01:30:00.000Z");
  });

  it("sends now-campaigns at launch and instant campaigns at their instant", () => {
    expect(recipientSendAt({ kind: "now" }, launched, "Asia/Tokyo")).toEqual(launched);
    expect(recipientSendAt({ kind: "at", at: "2026-11-27T07:00:00+01:00" }, launched, "UTC").toISOString()).toBe("2026-11-27T06:00:00.000Z");
  });

  it("launches a local-time campaign when UTC+14 reaches the time, before every recipient's instant", () => {
    const at = launchAt(local, new Date("2026-11-20T00:00:00Z"));
    expect(at.toISOString()).toBe("2026-11-26T19:00:00.000Z");
    for (const tz of ["Pacific/Kiritimati", "Asia/Tokyo", "Europe/Berlin", "Pacific/Pago_Pago"]) {
      expect(recipientSendAt(local, at, tz).getTime()).toBeGreaterThanOrEqual(at.getTime());
    }
    expect(recipientSendAt(local, at, "Pacific/Kiritimati")).toEqual(at);
  });
});
