/**
 * Who gets a campaign. The worker selects members of the chosen segments minus the exclusion segments in SQL;
 * these rules are re-checked for each recipient just before the send, since consent or suppression can change
 * between launch and a local-time send hours later.
 */

export type SkipReason = "no_email" | "not_subscribed" | "suppressed" | "excluded" | "smart_sending";

export type RecipientFacts = {
  email: string | null;
  emailConsent: string;
  suppressed: boolean;
  /** In an exclusion segment now. */
  excluded: boolean;
  lastMarketingEmailAt: Date | null;
};

/** Why a recipient must not get the campaign now, or null when they may. */
export function recipientSkip(r: RecipientFacts, rules: { now: Date; smartSendingHours: number | null }): SkipReason | null {
  if (!r.email) return "no_email";
  // Only explicit opt-ins get marketing: "unknown" and "pending" (double opt-in not confirmed) are not consent.
  if (r.emailConsent !== "subscribed") return "not_subscribed";
  if (r.suppressed) return "suppressed";
  if (r.excluded) return "excluded";
  const hours = rules.smartSendingHours ?? 0;
  if (hours > 0 && r.lastMarketingEmailAt && rules.now.getTime() - r.lastMarketingEmailAt.getTime() < hours * 3_600_000) {
    return "smart_sending";
  }
  return null;
}
