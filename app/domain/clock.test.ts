import { describe, expect, it } from "vitest";
import { catchUpClock } from "./clock";

describe("catchUpClock", () => {
  it("runs fast from its start until it meets real time, then is real time", () => {
    let real = Date.parse("2026-11-24T12:00:00Z");
    const clock = catchUpClock({ from: new Date("2026-10-25T12:00:00Z"), speed: 3600, realStart: real, realNow: () => real });
    expect(clock.now().toISOString()).toBe("2026-10-25T12:00:00.000Z");
    real += 10_000; // 10 s real = 10 h virtual
    expect(clock.now().toISOString()).toBe("2026-10-25T22:00:00.000Z");
    real += 720_000; // 12 min real = 30 days virtual: caught up
    expect(clock.now().getTime()).toBe(real);
    real += 5_000;
    expect(clock.now().getTime()).toBe(real);
  });

  it("treats a speed below 1 as real time", () => {
    const real = Date.parse("2026-11-24T12:00:00Z");
    const clock = catchUpClock({ from: new Date(real - 1000), speed: 0, realStart: real, realNow: () => real + 500 });
    expect(clock.now().getTime()).toBe(real - 500);
  });
});
