/** The preset flows every shop gets: the catalogue the UI lists, each with its definition and why it is built so. */
import {
  ABANDONED_CHECKOUT_FLOW,
  BROWSE_ABANDONMENT_FLOW,
  POST_PURCHASE_FLOW,
  SUNSET_FLOW,
  WELCOME_FLOW,
  WINBACK_FLOW,
} from "./preset-definitions";

export const FLOW_PRESETS = [
  {
    preset: "welcome",
    name: "Welcome series",
    trigger: "Subscribed to Email",
    description: "Greets new subscribers and turns them into first-time buyers.",
    rationale:
      "New subscribers are at their most attentive in the first days, so the first email goes at once and two more " +
      "follow two and four days after signing up: enough to introduce the brand and its best sellers without " +
      "crowding the inbox. The series stops the moment the subscriber places an order, because its job is done " +
      "and the post-purchase flow takes over.",
    definition: WELCOME_FLOW,
  },
  {
    preset: "browse_abandonment",
    name: "Browse abandonment",
    trigger: "Viewed Product",
    description: "Reminds known visitors of the products they looked at but did not add to cart.",
    rationale:
      "Two hours after a known visitor views a product, one email shows that product. It goes only if they have " +
      "not since added to cart, started a checkout or ordered (those have their own flows), and at most once in " +
      "30 days per person, because browsing is a weak signal and frequent reminders feel like being watched.",
    definition: BROWSE_ABANDONMENT_FLOW,
  },
  {
    preset: "abandoned_checkout",
    name: "Abandoned checkout",
    trigger: "Started Checkout",
    description: "Brings shoppers back to the checkout they left, with its items and link.",
    rationale:
      "Three reminders at 4 hours, 24 hours and 72 hours after the checkout started; the second is an A/B test of " +
      "24 against 48 hours so the shop learns its own best timing, and only the last carries a discount, so " +
      "shoppers are not taught to abandon for one. Any order ends the flow at once, and every send first checks " +
      "that no order has arrived since the checkout started, including orders reported late.",
    definition: ABANDONED_CHECKOUT_FLOW,
  },
  {
    preset: "post_purchase",
    name: "Post-purchase",
    trigger: "Placed Order",
    description: "Thanks the customer, asks for a review and suggests what to buy next.",
    rationale:
      "Every order gets an immediate thank-you, worded differently for first-time and returning customers. The " +
      "review request waits until seven days after the order is fulfilled, so the product has been used; a " +
      "cross-sell follows two weeks after the order, and customers with a buying rhythm get a replenishment " +
      "reminder on their expected next order date. A cancelled or fully refunded order ends the flow.",
    definition: POST_PURCHASE_FLOW,
  },
  {
    preset: "winback",
    name: "Winback",
    trigger: "Placed Order, then no order for 180+ days",
    description: "Wins back customers who are overdue for their next order.",
    rationale:
      "A customer counts as lapsed after 180 days without an order, or after one and a half times their own " +
      "usual gap between orders if that is longer, so frequent and occasional buyers are each judged by their own " +
      "rhythm. Two emails a week apart follow, and only the second offers a discount. Any new order ends the flow " +
      "and starts the clock again.",
    definition: WINBACK_FLOW,
  },
  {
    preset: "sunset",
    name: "Sunset",
    trigger: "10+ emails in 180 days, no opens, clicks or orders",
    description: "Asks long-unengaged subscribers to stay, then stops emailing them to protect deliverability.",
    rationale:
      "Mailbox providers judge a sender by how its recipients engage, so subscribers who received ten or more " +
      "emails in 180 days and opened, clicked or bought nothing are asked once whether they want to stay. Without " +
      "any engagement within seven days they are suppressed; the suppression is recorded with its reason and " +
      "can be undone. No holdout here: nobody is suppressed without having been asked.",
    definition: SUNSET_FLOW,
  },
] as const;

export type FlowPreset = (typeof FLOW_PRESETS)[number]["preset"];

/** The catalogue entry for a preset key, if it is one. */
export function findPreset(preset: string | null) {
  return FLOW_PRESETS.find((p) => p.preset === preset);
}
