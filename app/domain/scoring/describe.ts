/** Lead score changes in the merchant's words, for the history on a customer's page (the flows' phrasing of filters). */
import { describeFilter, withFilters } from "../flows/describe";
import type { ScoringConfig } from "./rules";
import type { RuleEffect } from "./score";

const signed = (n: number) => {
  const rounded = Math.round(n * 10) / 10;
  return rounded >= 0 ? `+${rounded}` : `−${Math.abs(rounded)}`;
};

/** One phrase per rule: "Added to Cart +3", "Viewed Product +0 (cap 10 reached)", "orders placed ≥ 3 no longer holds −8". */
export function describeEffects(effects: readonly RuleEffect[], config: ScoringConfig): string {
  if (effects.length === 0) return "No rule matched";
  return effects
    .map((effect) => {
      const eventRule = config.eventRules.find((r) => r.id === effect.ruleId);
      if (eventRule) {
        const capped = effect.capped ? ` (cap ${eventRule.cap ?? ""} reached)` : "";
        return `${withFilters(eventRule.event, eventRule.where)} ${signed(effect.added)}${capped}`;
      }
      const propertyRule = config.propertyRules.find((r) => r.id === effect.ruleId);
      const label = propertyRule ? describeFilter(propertyRule.filter) : `rule ${effect.ruleId}`;
      return effect.added >= 0 ? `${label} ${signed(effect.added)}` : `${label} no longer holds ${signed(effect.added)}`;
    })
    .join("; ");
}
