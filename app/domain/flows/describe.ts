/** A flow definition in words, for the flow page: each step as a sentence, in an order a merchant can follow. */
import type { Condition, Delay, Duration, FlowDefinition, PropertyFilter, Reentry, Step, Trigger } from "./definition";

const PATH_LABELS: Record<string, string> = {
  ordersCount: "orders placed",
  expectedNextOrderAt: "expected next order date",
  firstOrderAt: "first order date",
  lastOrderAt: "last order date",
  emailConsent: "email consent",
  rfmGroup: "RFM group",
  leadScore: "lead score",
  checkoutToken: "checkout",
  orderId: "order",
  completedAt: "completion time",
  refundedAmount: "refunded amount",
  totalPrice: "order total",
  test: "test order",
};

const OPS: Record<string, string> = {
  eq: "is",
  neq: "is not",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  contains: "contains",
  in: "is one of",
};

/** "properties.birthday" -> "birthday", "ordersCount" -> "orders placed". */
export function describePath(path: string): string {
  const bare = path.startsWith("properties.") ? path.slice("properties.".length) : path;
  return (
    PATH_LABELS[bare] ??
    bare
      .replace(/([a-z])([A-Z])/g, "$1 $2")
      .replace(/[._]/g, " ")
      .toLowerCase()
  );
}

/** { amount: 4, unit: "hours" } -> "4 hours"; one of a unit is singular. */
export function describeDuration(duration: Duration): string {
  const unit = duration.amount === 1 ? duration.unit.slice(0, -1) : duration.unit;
  return `${duration.amount} ${unit}`;
}

function describeValue(value: unknown): string {
  if (Array.isArray(value)) return value.map(describeValue).join(", ");
  return typeof value === "string" ? `“${value}”` : JSON.stringify(value);
}

/** One property filter as a phrase: "order is the trigger's order", "test order is not true". */
export function describeFilter(filter: PropertyFilter): string {
  // The Welcome series' own filter reads better as what it means to the merchant.
  if (filter.path === "resubscribed" && "value" in filter && filter.value === true && filter.op === "neq") return "not a returning subscriber";
  const subject = describePath(filter.path);
  if (!("value" in filter) && !("valueFromTrigger" in filter))
    return filter.op === "exists" ? `${subject} is set` : `${subject} is not set`;
  if ("valueFromTrigger" in filter) {
    return filter.valueFromTrigger === filter.path && filter.op === "eq"
      ? `same ${subject} as the trigger`
      : `${subject} ${OPS[filter.op]} the trigger's ${describePath(filter.valueFromTrigger)}`;
  }
  return `${subject} ${OPS[filter.op]} ${describeValue(filter.value)}`;
}

/** "Opened Email (machine is not true)": an event name with its filters. */
export function withFilters(event: string, where: PropertyFilter[] | undefined): string {
  return where && where.length > 0 ? `${event} (${where.map(describeFilter).join(", ")})` : event;
}

/** A condition as a sentence a merchant reads as yes or no. */
export function describeCondition(condition: Condition): string {
  switch (condition.kind) {
    case "profile":
      return `Profile: ${describeFilter(condition)}`;
    case "event_count": {
      const event = withFilters(condition.event, condition.where);
      const window =
        condition.since === "flow_start"
          ? "since the flow started"
          : condition.since === "ever"
          ? "ever"
          : `in the last ${condition.since.days} days`;
      const { atLeast, atMost } = condition;
      if (atMost === 0 && atLeast === undefined) return `No ${event} ${window}`;
      if (atLeast === 1 && atMost === undefined) return `${event} ${window}`;
      const bounds = [atLeast !== undefined ? `at least ${atLeast}` : null, atMost !== undefined ? `at most ${atMost}` : null];
      return `${event} ${bounds.filter(Boolean).join(" and ")} times ${window}`;
    }
    case "all":
      return condition.of.length === 0 ? "Always" : condition.of.map(describeCondition).join(" and ");
    case "any":
      return condition.of.map(describeCondition).join(" or ");
    case "not":
      return `Not (${describeCondition(condition.condition)})`;
  }
}

/** What starts a run. */
export function describeTrigger(trigger: Trigger): string {
  switch (trigger.kind) {
    case "event":
      return `When ${withFilters(trigger.event, trigger.where)} happens`;
    case "date_property": {
      const offset = trigger.offsetDays ? `${Math.abs(trigger.offsetDays)} days ${trigger.offsetDays < 0 ? "before" : "after"}` : "On";
      return `${offset} the profile's ${describePath(trigger.property)}${trigger.time ? ` at ${trigger.time}` : ""}`;
    }
    case "list":
      return `When someone joins the list ${trigger.listId}`;
    case "segment":
      return "When someone enters a segment";
    case "engagement":
      return `A profile received at least ${trigger.receivedAtLeast} emails in ${trigger.withinDays} days with no ${trigger.noneOf.join(
        ", "
      )}`;
  }
}

/** A delay as "Wait …". */
export function describeDelay(wait: Delay): string {
  switch (wait.kind) {
    case "duration":
      return `Wait ${describeDuration(wait.duration)}${wait.from === "flow_start" ? " from the start of the flow" : ""}`;
    case "time_of_day":
      return `Wait until ${wait.time} (shop time)`;
    case "date_property": {
      const offset = wait.offsetDays ? `${Math.abs(wait.offsetDays)} days ${wait.offsetDays < 0 ? "before" : "after"} ` : "";
      const missing = wait.ifMissing === "exit" ? "; exit when it is unknown" : "; continue when it is unknown";
      return `Wait until ${offset}the profile's ${describePath(wait.property)}${wait.time ? ` at ${wait.time}` : ""}${missing}`;
    }
    case "order_gap":
      return `Wait the later of ${describeDuration(wait.minimum)} and ${wait.multiple}× the customer's usual gap between orders`;
    case "event":
      return (
        `Wait until ${describeDuration(wait.offset)} after ${withFilters(wait.event, wait.where)}; ` +
        `after ${describeDuration(wait.timeout)} without it, ${wait.onTimeout === "exit" ? "exit" : "continue"}`
      );
  }
}

/** How a profile may enter the flow again. */
export function describeReentry(reentry: Reentry): string {
  switch (reentry.mode) {
    case "never":
      return "Once per profile";
    case "after_exit":
      return "Again after the previous run has ended";
    case "after_days":
      return `At most once every ${reentry.days} days`;
    case "every_trigger":
      return "Every trigger starts its own run";
  }
}

export type OutlineLink = { label: string; to: { number: number; id: string } | null };

export type OutlineStep = {
  /** 1-based position in the outline. */
  number: number;
  id: string;
  kind: Step["kind"];
  title: string;
  detail: string | null;
  /** Where the run goes from here; empty when it simply continues with the next step of the outline. */
  links: OutlineLink[];
};

function titleOf(step: Step): { title: string; detail: string | null } {
  switch (step.kind) {
    case "delay":
      return { title: describeDelay(step.wait), detail: step.name ?? null };
    case "condition":
      return { title: step.name ?? "Check", detail: describeCondition(step.condition) };
    case "ab_split": {
      const total = step.variants.reduce((sum, v) => sum + v.weight, 0);
      const shares = step.variants.map((v) => `${v.id} ${Math.round((v.weight / total) * 100)}%`).join(" / ");
      return { title: step.name ?? "A/B split", detail: shares };
    }
    case "send_email":
      return { title: step.name ?? "Send email", detail: step.subject };
    case "update_profile":
      return {
        title: step.name ?? "Update profile",
        detail: step.suppress ? `Suppress from marketing (${step.suppress.reason})` : Object.keys(step.set).join(", "),
      };
    case "tag_customer":
      return {
        title: step.name ?? "Tag customer in Shopify",
        detail: [...step.add.map((t) => `+${t}`), ...step.remove.map((t) => `−${t}`)].join(" "),
      };
    case "webhook":
      return { title: step.name ?? "Send webhook", detail: new URL(step.url).host };
    case "exit":
      return { title: "Exit", detail: step.reason.replace(/_/g, " ") };
  }
}

/**
 * The steps in the order they were written, the start first, each with where it leads when that is not simply
 * the next line ("Yes: go to 3", "then the flow ends").
 */
export function flowOutline(definition: FlowDefinition): OutlineStep[] {
  const start = definition.steps.find((s) => s.id === definition.start);
  const ordered = start ? [start, ...definition.steps.filter((s) => s !== start)] : definition.steps;
  const numberOf = new Map(ordered.map((s, i) => [s.id, i + 1]));
  const target = (id: string | null) => (id === null ? null : { number: numberOf.get(id) ?? 0, id });
  return ordered.map((step, i) => {
    const following = ordered[i + 1]?.id ?? null;
    let links: OutlineLink[];
    switch (step.kind) {
      case "condition":
        links = [
          { label: "Yes", to: target(step.yes) },
          { label: "No", to: target(step.no) },
        ];
        break;
      case "ab_split":
        links = step.variants.map((v) => ({ label: `Variant ${v.id}`, to: target(v.next) }));
        break;
      case "exit":
        links = [];
        break;
      default:
        links = step.next !== null && step.next === following ? [] : [{ label: "Then", to: target(step.next) }];
    }
    return { number: i + 1, id: step.id, kind: step.kind, ...titleOf(step), links };
  });
}
