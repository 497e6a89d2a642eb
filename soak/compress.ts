import type { FlowDefinition } from "../app/domain/flows/definition";

const HOURS = { minutes: 1 / 60, hours: 1, days: 24 } as const;
type Unit = keyof typeof HOURS;

function isDuration(value: unknown): value is { amount: number; unit: Unit } {
  if (value === null || typeof value !== "object") return false;
  const v = value as Record<string, unknown>;
  return Object.keys(v).length === 2 && typeof v.amount === "number" && typeof v.unit === "string" && v.unit in HOURS;
}

/**
 * The soak's flows on a short clock: every duration in a definition (delays, waits, timeouts, look-back windows)
 * becomes a quarter of its hours in minutes, at least one. A 4-hour cart reminder comes after a minute, the
 * second one after 6 or 12, so a ten-minute soak sends most of a flow's emails.
 */
export function compressDelays(definition: FlowDefinition): FlowDefinition {
  const walk = (value: unknown): unknown => {
    if (isDuration(value)) return { amount: Math.max(1, Math.round((value.amount * HOURS[value.unit]) / 4)), unit: "minutes" };
    if (Array.isArray(value)) return value.map(walk);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, walk(v)]));
    return value;
  };
  return walk(definition) as FlowDefinition;
}
