// "Needs attention" on Home: what in a flow's recent daily counters looks wrong enough to tell the merchant.
// Pure: the caller hands in each flow's daily counters and today's (shop-local) day.
import { addDays, dayList } from "./days";

/** One flow's daily counters by metric and day ("sent" -> "2026-11-24" -> 120); absent days are zero. */
export type FlowDaily = {
  flowId: string;
  name: string;
  /** The first day the flow could have had activity (its first version); null when unknown. */
  liveSince: string | null;
  counts: Partial<Record<AttentionMetric, Record<string, number>>>;
};
export type AttentionMetric = "sent" | "unsubscribed" | "entered" | "discount_redeemed";
export const ATTENTION_METRICS: AttentionMetric[] = ["sent", "unsubscribed", "entered", "discount_redeemed"];

export type AttentionKind = "unsubscribe_rate" | "participant_spike" | "discount_spike";
export type Attention = { kind: AttentionKind; flowId: string; flowName: string; title: string; detail: string };

export const UNSUBSCRIBES = {
  recentDays: 7,
  baselineDays: 28,
  /** Below this many emails in the last 7 days a rate says nothing (1 unsubscribe of 3 is not a trend). */
  minRecentSent: 200,
  minRecentUnsubscribes: 5,
  /** A baseline needs this many emails in its 28 days. */
  minBaselineSent: 200,
  /** Rising: at least twice the baseline rate and at least 0.2 points above it. */
  factor: 2,
  minIncrease: 0.002,
  /** Without a baseline only a plainly high rate is worth a word (typical flows stay well under 1 %). */
  highWithoutBaseline: 0.02,
};

export type SpikeRule = { baselineDays: number; minBaselineDays: number; minCount: number; factor: number };
/** Spikes are judged on today and yesterday (today is still filling up) against the 28 days before yesterday. */
export const PARTICIPANT_SPIKE: SpikeRule = { baselineDays: 28, minBaselineDays: 7, minCount: 20, factor: 3 };
export const DISCOUNT_SPIKE: SpikeRule = { baselineDays: 28, minBaselineDays: 7, minCount: 10, factor: 3 };

/** The first day needed to judge everything below, for `today`: the caller reads counters from there. */
export function attentionWindowStart(today: string): string {
  const spikeStart = addDays(today, -1 - Math.max(PARTICIPANT_SPIKE.baselineDays, DISCOUNT_SPIKE.baselineDays));
  const unsubscribeStart = addDays(today, -(UNSUBSCRIBES.recentDays + UNSUBSCRIBES.baselineDays - 1));
  return spikeStart < unsubscribeStart ? spikeStart : unsubscribeStart;
}

function sum(series: Record<string, number> | undefined, days: string[]): number {
  return days.reduce((total, day) => total + (series?.[day] ?? 0), 0);
}

const pct = (rate: number) => `${(rate * 100).toFixed(1)} %`;

/** A flow whose unsubscribe rate over the last 7 days is well above its previous 28 days (or plainly high without them). */
export function unsubscribeRateAlert(flow: FlowDaily, today: string): Attention | null {
  const rule = UNSUBSCRIBES;
  const recent = dayList(addDays(today, -(rule.recentDays - 1)), today);
  const baseline = dayList(addDays(today, -(rule.recentDays + rule.baselineDays - 1)), addDays(today, -rule.recentDays));
  const sent = sum(flow.counts.sent, recent);
  const unsubscribed = sum(flow.counts.unsubscribed, recent);
  if (sent < rule.minRecentSent || unsubscribed < rule.minRecentUnsubscribes) return null;
  const rate = unsubscribed / sent;
  const baselineSent = sum(flow.counts.sent, baseline);
  const base = { kind: "unsubscribe_rate" as const, flowId: flow.flowId, flowName: flow.name };
  const recentWords = `${unsubscribed} of ${sent.toLocaleString("en-US")} recipients unsubscribed in the last ${rule.recentDays} days (${pct(rate)})`;
  if (baselineSent < rule.minBaselineSent) {
    if (rate < rule.highWithoutBaseline) return null;
    return { ...base, title: `${flow.name}: high unsubscribe rate`, detail: `${recentWords}; there are too few earlier emails to compare with. Check the emails' content and timing.` };
  }
  const baselineRate = sum(flow.counts.unsubscribed, baseline) / baselineSent;
  if (rate < baselineRate * rule.factor || rate - baselineRate < rule.minIncrease) return null;
  return {
    ...base,
    title: `${flow.name}: unsubscribes are rising`,
    detail: `${recentWords}, against ${pct(baselineRate)} in the ${rule.baselineDays} days before. Check what changed in its emails.`,
  };
}

type Spike = { day: string; count: number; usual: number };

/** The larger of today's and yesterday's count when it is a spike against the flow's baseline; null otherwise. */
export function findSpike(series: Record<string, number> | undefined, today: string, liveSince: string | null, rule: SpikeRule): Spike | null {
  const yesterday = addDays(today, -1);
  let first = addDays(yesterday, -rule.baselineDays);
  if (liveSince && liveSince > first) first = liveSince;
  const baseline = first < yesterday ? dayList(first, addDays(yesterday, -1)) : [];
  // A flow switched on last week has no usual level yet: a busy first day is not a spike.
  if (baseline.length < rule.minBaselineDays) return null;
  const usual = sum(series, baseline) / baseline.length;
  let spike: Spike | null = null;
  for (const day of [yesterday, today]) {
    const count = series?.[day] ?? 0;
    if (count >= rule.minCount && count >= rule.factor * usual && (!spike || count > spike.count)) spike = { day, count, usual };
  }
  return spike;
}

function when(day: string, today: string): string {
  return day === today ? "today" : "yesterday";
}

function usualWords(usual: number): string {
  return usual < 1 ? "fewer than 1 a day" : `about ${Math.round(usual).toLocaleString("en-US")} a day`;
}

type SpikeWatch = { kind: AttentionKind; metric: AttentionMetric; rule: SpikeRule; title: string; detail: (count: string, when: string, usual: string) => string };

const SPIKE_WATCHES: Record<"participant_spike" | "discount_spike", SpikeWatch> = {
  // A signup bot, a broken trigger or an import can all make one.
  participant_spike: {
    kind: "participant_spike",
    metric: "entered",
    rule: PARTICIPANT_SPIKE,
    title: "sudden rise in people entering",
    detail: (count, when, usual) => `${count} people entered ${when}, against ${usual}. Check the signups and the trigger for bots or a broken import.`,
  },
  // Per-recipient codes used far more than usual: codes shared or abused outside the email.
  discount_spike: {
    kind: "discount_spike",
    metric: "discount_redeemed",
    rule: DISCOUNT_SPIKE,
    title: "sudden rise in discount codes used",
    detail: (count, when, usual) => `${count} orders used this flow's discount codes ${when}, against ${usual}. Check whether codes are being shared.`,
  },
};

function spikeAlert(flow: FlowDaily, today: string, watch: SpikeWatch): Attention | null {
  const spike = findSpike(flow.counts[watch.metric], today, flow.liveSince, watch.rule);
  if (!spike) return null;
  return {
    kind: watch.kind,
    flowId: flow.flowId,
    flowName: flow.name,
    title: `${flow.name}: ${watch.title}`,
    detail: watch.detail(spike.count.toLocaleString("en-US"), when(spike.day, today), usualWords(spike.usual)),
  };
}

/** A sudden jump in people entering the flow. */
export const participantSpikeAlert = (flow: FlowDaily, today: string) => spikeAlert(flow, today, SPIKE_WATCHES.participant_spike);

/** A sudden jump in orders using this flow's per-recipient discount codes. */
export const discountSpikeAlert = (flow: FlowDaily, today: string) => spikeAlert(flow, today, SPIKE_WATCHES.discount_spike);

/** Everything that needs attention across the shop's flows: discount spikes first, then unsubscribes, then entries. */
export function needsAttention(flows: FlowDaily[], today: string): Attention[] {
  const order: AttentionKind[] = ["discount_spike", "unsubscribe_rate", "participant_spike"];
  const found = flows.flatMap((flow) =>
    [discountSpikeAlert(flow, today), unsubscribeRateAlert(flow, today), participantSpikeAlert(flow, today)].filter((a): a is Attention => a !== null),
  );
  return found.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.flowName.localeCompare(b.flowName));
}
