/** How a profile's email consent reads in the dashboard: one wording on the customer list and each customer's page. */
export const CONSENT_BADGE: Record<string, { tone?: "success" | "critical" | "attention"; label: string }> = {
  subscribed: { tone: "success", label: "Subscribed" },
  unsubscribed: { tone: "critical", label: "Unsubscribed" },
  pending: { tone: "attention", label: "Pending" },
  unknown: { label: "Not subscribed" },
};
