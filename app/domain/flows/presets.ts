/** The preset flows every shop gets. Definitions (steps) arrive with the flow engine; this is the catalogue. */
export const FLOW_PRESETS = [
  {
    preset: "welcome",
    name: "Welcome series",
    trigger: "Subscribed to Email",
    description: "Greets new subscribers and turns them into first-time buyers.",
  },
  {
    preset: "browse_abandonment",
    name: "Browse abandonment",
    trigger: "Viewed Product",
    description: "Reminds known visitors of the products they looked at but did not add to cart.",
  },
  {
    preset: "abandoned_checkout",
    name: "Abandoned checkout",
    trigger: "Started Checkout",
    description: "Brings shoppers back to the checkout they left, with its items and link.",
  },
  {
    preset: "post_purchase",
    name: "Post-purchase",
    trigger: "Placed Order",
    description: "Thanks the customer, asks for a review and suggests what to buy next.",
  },
  {
    preset: "winback",
    name: "Winback",
    trigger: "No order since expected next order",
    description: "Wins back customers who are overdue for their next order.",
  },
  {
    preset: "sunset",
    name: "Sunset",
    trigger: "No opens or clicks in 180 days",
    description: "Asks long-unengaged subscribers to stay, then stops emailing them to protect deliverability.",
  },
] as const;

export type FlowPreset = (typeof FLOW_PRESETS)[number]["preset"];

export function findPreset(preset: string | null) {
  return FLOW_PRESETS.find((p) => p.preset === preset);
}
