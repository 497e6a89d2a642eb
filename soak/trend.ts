/**
 * Memory trend of a process from its RSS samples: the Theil-Sen slope (the median of the slopes between every
 * pair of samples), which a few spikes (a GC pause, a burst) do not tilt the way a least-squares fit would.
 */
export type Sample = { atMs: number; rssBytes: number };

export function theilSenSlope(samples: Sample[]): number {
  const slopes: number[] = [];
  for (let i = 0; i < samples.length; i++) {
    for (let j = i + 1; j < samples.length; j++) {
      const dt = samples[j].atMs - samples[i].atMs;
      if (dt > 0) slopes.push((samples[j].rssBytes - samples[i].rssBytes) / dt);
    }
  }
  if (slopes.length === 0) return 0;
  slopes.sort((a, b) => a - b);
  const mid = slopes.length >> 1;
  return slopes.length % 2 ? slopes[mid] : (slopes[mid - 1] + slopes[mid]) / 2;
}

export type TrendVerdict = { flat: boolean; mbPerMinute: number; medianMb: number; growthPercent: number; samples: number };

/**
 * Flat when the trend, carried over the whole observed span, adds less than `maxGrowthPercent` of the median RSS.
 * The first `warmupMs` are left out: a process fills its caches and JIT before it settles.
 */
export function memoryTrend(samples: Sample[], options: { warmupMs: number; maxGrowthPercent: number }): TrendVerdict {
  const start = samples[0]?.atMs ?? 0;
  const settled = samples.filter((s) => s.atMs - start >= options.warmupMs);
  const slope = theilSenSlope(settled); // bytes per ms
  const sorted = settled.map((s) => s.rssBytes).sort((a, b) => a - b);
  const median = sorted.length ? sorted[sorted.length >> 1] : 0;
  const span = settled.length > 1 ? settled[settled.length - 1].atMs - settled[0].atMs : 0;
  const growthPercent = median > 0 ? ((slope * span) / median) * 100 : 0;
  return {
    flat: growthPercent < options.maxGrowthPercent,
    mbPerMinute: (slope * 60_000) / 2 ** 20,
    medianMb: median / 2 ** 20,
    growthPercent,
    samples: settled.length,
  };
}
