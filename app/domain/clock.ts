/**
 * What time it is, for the workers: real time in production, a virtual time in tests, and in the demo a fast
 * clock that replays the last weeks of a shop's life quickly and then runs on at real time.
 */
export type Clock = { now(): Date };

export const systemClock: Clock = { now: () => new Date() };

/**
 * Starts at `from` when real time is `realStart` and runs `speed` times faster than real time until it has
 * caught up with real time; from then on it is real time. Never ahead of real time, so nothing the demo makes
 * lies in the future of the dashboard's own clock.
 */
export function catchUpClock(input: { from: Date; speed: number; realStart: number; realNow?: () => number }): Clock {
  const realNow = input.realNow ?? Date.now;
  const speed = Math.max(1, input.speed);
  return {
    now() {
      const real = realNow();
      return new Date(Math.min(real, input.from.getTime() + (real - input.realStart) * speed));
    },
  };
}
