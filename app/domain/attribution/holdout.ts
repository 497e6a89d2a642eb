/**
 * What a flow adds, measured against its holdout group (issue 6): people held out run the flow without emails, so
 * the difference in conversion rate and revenue per person between the two groups is what the emails earned,
 * attribution rules aside. Differences come with a 95 % confidence interval (normal approximation: Wald for the
 * rates, Welch for revenue per person), and nothing is claimed until both groups are large enough. Pure.
 */

/** One group's numbers: people who entered, how many ordered in the window, and their revenue. */
export type GroupTotals = { people: number; converted: number; revenueMinor: bigint; revenueSquaresMinor: number };

export type Interval = { estimate: number; low: number; high: number };

export type HoldoutResult =
  | { status: "no_holdout" }
  | { status: "not_enough_data"; sent: GroupTotals; holdout: GroupTotals; needPeople: number; needConversions: number }
  | {
      status: "measured";
      sent: GroupTotals;
      holdout: GroupTotals;
      /** Conversion rates (0..1) and their difference, sent minus holdout. */
      conversion: { sent: number; holdout: number; difference: Interval };
      /** Revenue per person in minor units, and the difference. */
      revenuePerPerson: { sent: number; holdout: number; difference: Interval };
      /** Whether the conversion difference's interval excludes zero. */
      significant: boolean;
    };

/** Below these, an interval from the normal approximation misleads; "not enough data yet" is the honest answer. */
export const MIN_PEOPLE_PER_GROUP = 30;
export const MIN_CONVERSIONS_PER_GROUP = 5;
const Z95 = 1.959963984540054;

/** Adds one person's revenue in the window (0 when they did not order) to a group. */
export function addPerson(group: GroupTotals, revenueMinor: bigint): GroupTotals {
  const value = Number(revenueMinor);
  return {
    people: group.people + 1,
    converted: group.converted + (revenueMinor > 0n ? 1 : 0),
    revenueMinor: group.revenueMinor + revenueMinor,
    revenueSquaresMinor: group.revenueSquaresMinor + value * value,
  };
}

export const EMPTY_GROUP: GroupTotals = { people: 0, converted: 0, revenueMinor: 0n, revenueSquaresMinor: 0 };

/** Orders placed within this many days after someone entered a flow count as their conversion. */
export const CONVERSION_WINDOW_DAYS = 30;
const WINDOW_MS = CONVERSION_WINDOW_DAYS * 86_400_000;

/** What a person who entered at `enteredAt` ordered in the conversion window: orders strictly after, up to 30 days. */
export function windowRevenue(enteredAt: Date, orders: ReadonlyArray<{ placedAt: Date; countedMinor: bigint }>): bigint {
  const from = enteredAt.getTime();
  let revenue = 0n;
  for (const o of orders) {
    const at = o.placedAt.getTime();
    if (at > from && at <= from + WINDOW_MS && o.countedMinor > 0n) revenue += o.countedMinor;
  }
  return revenue;
}

/** How a group's counters move when one person's window revenue goes from `before` to `after`. */
export function cohortChange(before: bigint, after: bigint): { converted: number; revenueMinor: bigint; revenueSquaresMinor: bigint } {
  return {
    converted: Number(after > 0n) - Number(before > 0n),
    revenueMinor: after - before,
    revenueSquaresMinor: after * after - before * before,
  };
}

/** A group's totals from its summed daily counters. */
export function groupFromCounters(c: { people: bigint; converted: bigint; revenueMinor: bigint; revenueSquaresMinor: bigint }): GroupTotals {
  return { people: Number(c.people), converted: Number(c.converted), revenueMinor: c.revenueMinor, revenueSquaresMinor: Number(c.revenueSquaresMinor) };
}

function interval(estimate: number, standardError: number): Interval {
  return { estimate, low: estimate - Z95 * standardError, high: estimate + Z95 * standardError };
}

function sampleVariance(group: GroupTotals): number {
  if (group.people < 2) return 0;
  const mean = Number(group.revenueMinor) / group.people;
  return Math.max(0, (group.revenueSquaresMinor - group.people * mean * mean) / (group.people - 1));
}

/** The sent group against the holdout group. */
export function holdoutResult(sent: GroupTotals, holdout: GroupTotals): HoldoutResult {
  if (holdout.people === 0) return { status: "no_holdout" };
  const enough = (g: GroupTotals) =>
    g.people >= MIN_PEOPLE_PER_GROUP && g.converted >= MIN_CONVERSIONS_PER_GROUP && g.people - g.converted >= MIN_CONVERSIONS_PER_GROUP;
  if (!enough(sent) || !enough(holdout)) {
    return { status: "not_enough_data", sent, holdout, needPeople: MIN_PEOPLE_PER_GROUP, needConversions: MIN_CONVERSIONS_PER_GROUP };
  }
  const p1 = sent.converted / sent.people;
  const p0 = holdout.converted / holdout.people;
  const rateError = Math.sqrt((p1 * (1 - p1)) / sent.people + (p0 * (1 - p0)) / holdout.people);
  const m1 = Number(sent.revenueMinor) / sent.people;
  const m0 = Number(holdout.revenueMinor) / holdout.people;
  const meanError = Math.sqrt(sampleVariance(sent) / sent.people + sampleVariance(holdout) / holdout.people);
  const difference = interval(p1 - p0, rateError);
  return {
    status: "measured",
    sent,
    holdout,
    conversion: { sent: p1, holdout: p0, difference },
    revenuePerPerson: { sent: m1, holdout: m0, difference: interval(m1 - m0, meanError) },
    significant: difference.low > 0 || difference.high < 0,
  };
}
