/**
 * Which email earned an order (DESIGN.md step 7): the last one the person clicked within the click window, else
 * (rule click_then_open) the last one they opened within the open window. Machine opens (Apple Mail privacy
 * prefetch, scanners) count only when the shop says so. Windows are measured back from the order's own time,
 * so an order reported late is judged as of when it was placed; a touch exactly a window's length before the
 * order still counts, one second more does not, and a touch after the order never does. Pure.
 */

export type AttributionRuleName = "click_then_open" | "click_only";

export type AttributionSettings = {
  rule: AttributionRuleName;
  clickWindowHours: number;
  openWindowHours: number;
  excludeMachineOpens: boolean;
};

/** An open or a click of one of our emails by the order's person. */
export type Touch = { messageId: string; kind: "click" | "open"; at: Date; machine: boolean };

export type Credit = { messageId: string; touch: "click" | "open"; touchedAt: Date; rule: string };

const HOUR_MS = 3_600_000;

/** The rule as stored with each attribution, e.g. "click_then_open:120h/120h" (what was in force then). */
export function ruleLabel(settings: AttributionSettings): string {
  const windows = settings.rule === "click_only" ? `${settings.clickWindowHours}h` : `${settings.clickWindowHours}h/${settings.openWindowHours}h`;
  return `${settings.rule}:${windows}${settings.excludeMachineOpens || settings.rule === "click_only" ? "" : ":machine_opens"}`;
}

/** How far back any touch can matter: the touches worth loading for an order. */
export function lookbackHours(settings: AttributionSettings): number {
  return settings.rule === "click_only" ? settings.clickWindowHours : Math.max(settings.clickWindowHours, settings.openWindowHours);
}

function lastWithin(touches: Touch[], orderedAt: Date, windowHours: number): Touch | null {
  const earliest = orderedAt.getTime() - windowHours * HOUR_MS;
  let best: Touch | null = null;
  for (const touch of touches) {
    const at = touch.at.getTime();
    if (at > orderedAt.getTime() || at < earliest) continue;
    // The latest wins; on the same instant, the lower message id, so the answer never depends on load order.
    if (!best || at > best.at.getTime() || (at === best.at.getTime() && touch.messageId < best.messageId)) best = touch;
  }
  return best;
}

/** The touch that earns the order, or null when no email does. */
export function attributeOrder(orderedAt: Date, touches: Touch[], settings: AttributionSettings): Credit | null {
  const rule = ruleLabel(settings);
  const click = lastWithin(touches.filter((t) => t.kind === "click"), orderedAt, settings.clickWindowHours);
  if (click) return { messageId: click.messageId, touch: "click", touchedAt: click.at, rule };
  if (settings.rule === "click_only") return null;
  const opens = touches.filter((t) => t.kind === "open" && !(t.machine && settings.excludeMachineOpens));
  const open = lastWithin(opens, orderedAt, settings.openWindowHours);
  return open ? { messageId: open.messageId, touch: "open", touchedAt: open.at, rule } : null;
}

/**
 * What the credited revenue becomes when the order's counted revenue changes (refund, cancellation, edit):
 * `revenueMinor` is what was credited at attribution (raised if the order grew), `refundedMinor` what was taken
 * back since. `delta` is the change to the attributed revenue counters.
 */
export function adjustCredit(current: { revenueMinor: bigint; refundedMinor: bigint }, countedMinor: bigint) {
  const counted = countedMinor < 0n ? 0n : countedMinor;
  const credited = current.revenueMinor - current.refundedMinor;
  const revenueMinor = counted > current.revenueMinor ? counted : current.revenueMinor;
  return { revenueMinor, refundedMinor: revenueMinor - counted, delta: counted - credited };
}

function span(ms: number): string {
  const minutes = Math.round(ms / 60_000);
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? "" : "s"}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? "" : "s"}`;
  const days = Math.floor(hours / 24);
  return `${days} days${hours % 24 ? ` ${hours % 24} hour${hours % 24 === 1 ? "" : "s"}` : ""}`;
}

function windowWords(hours: number): string {
  return hours % 24 === 0 ? `${hours / 24} day${hours === 24 ? "" : "s"}` : `${hours} hours`;
}

/** The explanation a merchant reads for an attributed order. */
export function explainCredit(input: { touch: string; touchedAt: Date; orderedAt: Date; rule: string; subject: string }): string {
  const [rule, windows = ""] = input.rule.split(":");
  const [clickHours, openHours] = windows.split("/").map((w) => Number.parseInt(w, 10));
  const verb = input.touch === "click" ? "Clicked" : "Opened";
  const window = input.touch === "click" ? `click window ${windowWords(clickHours)}` : `open window ${windowWords(openHours)}, no click in the click window`;
  const ruleWords = rule === "click_only" ? "clicks only" : "last click, else last open";
  return `${verb} “${input.subject}” ${span(input.orderedAt.getTime() - input.touchedAt.getTime())} before the order (${window}; rule: ${ruleWords}).`;
}
