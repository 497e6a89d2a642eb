/** How a flow's status reads in the dashboard: one wording on the Flows list and on each flow's page. */
export const FLOW_STATUS_BADGE: Record<string, { tone?: "success" | "attention"; label: string }> = {
  live: { tone: "success", label: "Live" },
  paused: { tone: "attention", label: "Paused" },
  draft: { label: "Off" },
};
