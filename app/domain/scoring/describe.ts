/** Lead score changes in the merchant's words, for the history on a customer's page. */
import type { PropertyFilter } from "../flows/definition";
import type { ScoringConfig } from "./rules";
import type { RuleEffect } from "./score";

const OPS: Record<PropertyFilter["op"], string> = {
  eq: "is",
  neq: "is not",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  contains: "contains",
  in: "is one of",
  exists: "is set",
  not_exists: "is not set",
};

/** "ordersCount ≥ 3", "properties.company is set". */
export function describeFilter(filter: PropertyFilter): string {
  const value = "value" in filter ? ` ${JSON.stringify(filter.value)}` : "";
  return `${filter.path} ${OPS[filter.op]}${value}`;
}

const signed = (n: number) => {
  const rounded = Math.round(n * 10) / 10;
  return rounded >= 0 ? `+${rounded}` : `−${Math.abs(rounded)}`;
};

/** One line per rule: "Added to Cart +3", "Viewed Product +0 (cap 10 reached)", "ordersCount ≥ 3 no longer holds −8". */
export function describeEffects(effects: readonly RuleEffect[], config: ScoringConfig): string {
  if (effects.length === 0) return "No rule matched";
  return effects
    .map((effect) => {
      const eventRule = config.eventRules.find((r) => r.id === effect.ruleId);
      if (eventRule) {
        const filtered = eventRule.where?.length ? ` (${eventRule.where.map(describeFilter).join(", ")})` : "";
        const capped = effect.capped ? ` (cap ${eventRule.cap ?? ""} reached)` : "";
        return `${eventRule.event}${filtered} ${signed(effect.added)}${capped}`;
      }
      const propertyRule = config.propertyRules.find((r) => r.id === effect.ruleId);
      const label = propertyRule ? describeFilter(propertyRule.filter) : `rule ${effect.ruleId}`;
      return effect.added >= 0 ? `${label} ${signed(effect.added)}` : `${label} no longer holds ${signed(effect.added)}`;
    })
    .join("; ");
}
