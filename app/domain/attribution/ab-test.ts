/**
 * A/B test results (issue 6 for flows' A/B splits; campaigns use the same): per variant a rate (clicks or orders per
 * email sent), the leader, and whether its lead over the runner-up is significant. Two-proportion z-test with a
 * pooled standard error for the p-value, a Wald 95 % interval for the difference; nothing is called a winner until
 * both variants have enough emails and enough successes for the normal approximation to hold. Pure.
 */

export type VariantCounts = { id: string; sent: number; successes: number };

export type VariantRate = VariantCounts & { rate: number };

export type AbComparison =
  | { status: "not_enough_data"; variants: VariantRate[]; needSent: number; needSuccesses: number }
  | {
      status: "measured";
      variants: VariantRate[];
      leader: string;
      runnerUp: string;
      /** Leader's rate minus runner-up's, with a 95 % interval. */
      difference: { estimate: number; low: number; high: number };
      /** Two-sided p-value of "the two rates are equal". */
      pValue: number;
      /** p < 0.05: the leader is the winner. */
      significant: boolean;
    };

export const MIN_SENT_PER_VARIANT = 30;
export const MIN_SUCCESSES_PER_VARIANT = 5;
const Z95 = 1.959963984540054;

/** The standard normal CDF (Abramowitz and Stegun 7.1.26 for erf; absolute error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t;
  const erf = 1 - poly * Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Rates per variant, highest first (ties: more emails first, then id, so the order is stable). */
function ranked(variants: VariantCounts[]): VariantRate[] {
  return variants
    .map((v) => ({ ...v, rate: v.sent > 0 ? v.successes / v.sent : 0 }))
    .sort((a, b) => b.rate - a.rate || b.sent - a.sent || a.id.localeCompare(b.id));
}

export function compareVariants(variants: VariantCounts[]): AbComparison {
  const rates = ranked(variants);
  const enough = (v: VariantRate) => v.sent >= MIN_SENT_PER_VARIANT && v.successes >= MIN_SUCCESSES_PER_VARIANT && v.sent - v.successes >= MIN_SUCCESSES_PER_VARIANT;
  if (rates.length < 2 || !rates.every(enough)) {
    return { status: "not_enough_data", variants: rates, needSent: MIN_SENT_PER_VARIANT, needSuccesses: MIN_SUCCESSES_PER_VARIANT };
  }
  const [a, b] = [rates[0]!, rates[1]!];
  const estimate = a.rate - b.rate;
  const pooled = (a.successes + b.successes) / (a.sent + b.sent);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / a.sent + 1 / b.sent));
  const pValue = pooledSe === 0 ? 1 : 2 * (1 - normalCdf(Math.abs(estimate) / pooledSe));
  const se = Math.sqrt((a.rate * (1 - a.rate)) / a.sent + (b.rate * (1 - b.rate)) / b.sent);
  return {
    status: "measured",
    variants: rates,
    leader: a.id,
    runnerUp: b.id,
    difference: { estimate, low: estimate - Z95 * se, high: estimate + Z95 * se },
    pValue,
    significant: pValue < 0.05,
  };
}
