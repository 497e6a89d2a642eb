/** The six preset flows as definitions: documented defaults a merchant switches on and may edit. */
import { HUMAN_OPEN } from "./conditions";
import type { Condition, Duration, FlowDefinition, FlowEventName, PropertyFilter } from "./definition";

const hours = (amount: number): Duration => ({ amount, unit: "hours" });
const days = (amount: number): Duration => ({ amount, unit: "days" });

const happenedSinceStart = (event: FlowEventName, where?: PropertyFilter[]): Condition => ({
  kind: "event_count",
  event,
  ...(where ? { where } : {}),
  since: "flow_start",
  atLeast: 1,
});
const notSinceStart = (event: FlowEventName, where?: PropertyFilter[]): Condition => ({
  kind: "event_count",
  event,
  ...(where ? { where } : {}),
  since: "flow_start",
  atMost: 0,
});

const sameOrder: PropertyFilter = { path: "orderId", op: "eq", valueFromTrigger: "orderId" };
const realOrder: PropertyFilter = { path: "test", op: "neq", value: true };
// Shopify test orders are not purchases: they neither trigger nor end a flow.
const exitOnOrder = { reason: "placed_order", when: happenedSinceStart("Placed Order", [realOrder]) };

export const WELCOME_FLOW: FlowDefinition = {
  schemaVersion: 1,
  // Someone who unsubscribed and came back from the preference page is not new: no welcome for them.
  trigger: { kind: "event", event: "Subscribed to Email", where: [{ path: "resubscribed", op: "neq", value: true }] },
  filters: [],
  exits: [exitOnOrder],
  reentry: { mode: "never" },
  start: "welcome_1",
  steps: [
    // Expected the moment they sign up, so no smart-sending delay for the first email.
    { id: "welcome_1", kind: "send_email", template: "welcome_1", subject: "Welcome to {{ shop.name }}", smartSendingHours: 0, next: "wait_2_days" },
    { id: "wait_2_days", kind: "delay", wait: { kind: "duration", duration: days(2), from: "flow_start" }, next: "welcome_2" },
    { id: "welcome_2", kind: "send_email", template: "welcome_2", subject: "What makes {{ shop.name }} different", next: "wait_4_days" },
    { id: "wait_4_days", kind: "delay", wait: { kind: "duration", duration: days(4), from: "flow_start" }, next: "welcome_3" },
    { id: "welcome_3", kind: "send_email", template: "welcome_3", subject: "Our best sellers, picked for you", next: null },
  ],
};

export const BROWSE_ABANDONMENT_FLOW: FlowDefinition = {
  schemaVersion: 1,
  trigger: { kind: "event", event: "Viewed Product" },
  filters: [notSinceStart("Added to Cart"), notSinceStart("Started Checkout"), notSinceStart("Placed Order", [realOrder])],
  exits: [],
  // "Not in this flow in the last 30 days".
  reentry: { mode: "after_days", days: 30 },
  start: "wait_2_hours",
  steps: [
    { id: "wait_2_hours", kind: "delay", wait: { kind: "duration", duration: hours(2), from: "flow_start" }, next: "browse_1" },
    { id: "browse_1", kind: "send_email", template: "browse_abandonment", subject: "Still thinking it over?", next: null },
  ],
};

const checkoutCompleted: Condition = happenedSinceStart("Updated Checkout", [
  { path: "checkoutToken", op: "eq", valueFromTrigger: "checkoutToken" },
  { path: "completedAt", op: "exists" },
]);

export const ABANDONED_CHECKOUT_FLOW: FlowDefinition = {
  schemaVersion: 1,
  trigger: { kind: "event", event: "Started Checkout" },
  // Also a filter, so the rule reads the same in the editor: no cart email once any order exists since entry.
  filters: [notSinceStart("Placed Order", [realOrder])],
  exits: [exitOnOrder, { reason: "checkout_completed", when: checkoutCompleted }],
  reentry: { mode: "after_exit" },
  start: "wait_4_hours",
  steps: [
    { id: "wait_4_hours", kind: "delay", wait: { kind: "duration", duration: hours(4), from: "flow_start" }, next: "checkout_1" },
    { id: "checkout_1", kind: "send_email", template: "abandoned_checkout_1", subject: "You left something behind", next: "timing_test" },
    {
      id: "timing_test",
      kind: "ab_split",
      name: "Second reminder: 24 h or 48 h?",
      variants: [
        { id: "24h", weight: 50, next: "wait_24_hours" },
        { id: "48h", weight: 50, next: "wait_48_hours" },
      ],
    },
    { id: "wait_24_hours", kind: "delay", wait: { kind: "duration", duration: hours(24), from: "flow_start" }, next: "checkout_2" },
    { id: "wait_48_hours", kind: "delay", wait: { kind: "duration", duration: hours(48), from: "flow_start" }, next: "checkout_2" },
    { id: "checkout_2", kind: "send_email", template: "abandoned_checkout_2", subject: "Your cart is waiting", next: "wait_72_hours" },
    { id: "wait_72_hours", kind: "delay", wait: { kind: "duration", duration: hours(72), from: "flow_start" }, next: "checkout_3" },
    {
      id: "checkout_3",
      kind: "send_email",
      template: "abandoned_checkout_3",
      subject: "10% off to finish your order",
      discount: { kind: "percentage", value: 10, expiresInDays: 3 },
      next: null,
    },
  ],
};

export const POST_PURCHASE_FLOW: FlowDefinition = {
  schemaVersion: 1,
  trigger: { kind: "event", event: "Placed Order", where: [realOrder] },
  filters: [],
  exits: [
    { reason: "order_cancelled", when: happenedSinceStart("Cancelled Order", [sameOrder]) },
    {
      reason: "order_refunded",
      when: happenedSinceStart("Refunded Order", [sameOrder, { path: "refundedAmount", op: "gte", valueFromTrigger: "totalPrice" }]),
    },
  ],
  // One run per order: a second order gets its own thank-you.
  reentry: { mode: "every_trigger" },
  start: "first_order",
  steps: [
    // ordersCount already includes the triggering order.
    { id: "first_order", kind: "condition", condition: { kind: "profile", path: "ordersCount", op: "lte", value: 1 }, yes: "thanks_first", no: "thanks_repeat" },
    { id: "thanks_first", kind: "send_email", template: "thanks_first_order", subject: "Thank you for your first order", smartSendingHours: 0, next: "wait_fulfilled" },
    { id: "thanks_repeat", kind: "send_email", template: "thanks_repeat_order", subject: "Thanks for coming back", smartSendingHours: 0, next: "wait_fulfilled" },
    {
      id: "wait_fulfilled",
      kind: "delay",
      name: "7 days after fulfilment; no review request if unfulfilled after 14 days",
      wait: { kind: "event", event: "Fulfilled Order", where: [sameOrder], offset: days(7), timeout: days(14), onTimeout: "continue" },
      next: "was_fulfilled",
    },
    { id: "was_fulfilled", kind: "condition", condition: happenedSinceStart("Fulfilled Order", [sameOrder]), yes: "review_request", no: "wait_14_days" },
    { id: "review_request", kind: "send_email", template: "review_request", subject: "How do you like it?", next: "wait_14_days" },
    { id: "wait_14_days", kind: "delay", wait: { kind: "duration", duration: days(14), from: "flow_start" }, next: "cross_sell" },
    { id: "cross_sell", kind: "send_email", template: "cross_sell", subject: "Picked to go with your order", next: "has_rhythm" },
    { id: "has_rhythm", kind: "condition", condition: { kind: "profile", path: "expectedNextOrderAt", op: "exists" }, yes: "wait_replenish", no: null },
    {
      id: "wait_replenish",
      kind: "delay",
      wait: { kind: "date_property", property: "expectedNextOrderAt", time: "10:00", ifMissing: "exit" },
      next: "no_newer_order",
    },
    // A later order has its own run; this one stays quiet.
    { id: "no_newer_order", kind: "condition", condition: notSinceStart("Placed Order", [realOrder]), yes: "replenish", no: null },
    { id: "replenish", kind: "send_email", template: "replenishment", subject: "Time to restock?", next: null },
  ],
};

export const WINBACK_FLOW: FlowDefinition = {
  schemaVersion: 1,
  trigger: { kind: "event", event: "Placed Order", where: [realOrder] },
  filters: [notSinceStart("Placed Order", [realOrder])],
  exits: [exitOnOrder],
  // Every order restarts the clock: the older run exits on the new order, the new one starts waiting.
  reentry: { mode: "every_trigger" },
  start: "wait_overdue",
  steps: [
    {
      id: "wait_overdue",
      kind: "delay",
      name: "The later of 180 days and 1.5x the customer's usual gap",
      wait: { kind: "order_gap", multiple: 1.5, minimum: days(180) },
      next: "winback_1",
    },
    { id: "winback_1", kind: "send_email", template: "winback_1", subject: "We miss you", next: "wait_7_days" },
    { id: "wait_7_days", kind: "delay", wait: { kind: "duration", duration: days(7), from: "step" }, next: "winback_2" },
    {
      id: "winback_2",
      kind: "send_email",
      template: "winback_2",
      subject: "15% off your next order",
      discount: { kind: "percentage", value: 15, expiresInDays: 14 },
      next: null,
    },
  ],
};

export const SUNSET_FLOW: FlowDefinition = {
  schemaVersion: 1,
  trigger: { kind: "engagement", receivedAtLeast: 10, withinDays: 180, noneOf: ["Opened Email", "Clicked Email", "Placed Order"] },
  filters: [{ kind: "profile", path: "emailConsent", op: "eq", value: "subscribed" }],
  exits: [],
  reentry: { mode: "after_days", days: 180 },
  // A holdout would suppress people who were never asked.
  holdoutPercent: 0,
  start: "repermission",
  steps: [
    { id: "repermission", kind: "send_email", template: "sunset_repermission", subject: "Do you still want to hear from us?", next: "wait_7_days" },
    { id: "wait_7_days", kind: "delay", wait: { kind: "duration", duration: days(7), from: "step" }, next: "engaged" },
    {
      id: "engaged",
      kind: "condition",
      condition: {
        kind: "any",
        of: [happenedSinceStart("Opened Email", [HUMAN_OPEN]), happenedSinceStart("Clicked Email"), happenedSinceStart("Placed Order", [realOrder])],
      },
      yes: null,
      no: "suppress",
    },
    { id: "suppress", kind: "update_profile", set: { emailStatus: "sunset" }, suppress: { reason: "sunset" }, next: null },
  ],
};
