/** The fields two profiles of one person combine on merge; everything else moves by foreign key. */
export type MergeableProfile = {
  id: string;
  createdAt: Date;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  lastName: string | null;
  shopifyCustomerId: string | null;
  emailConsent: string;
  emailConsentAt: Date | null;
  emailConsentSource: string | null;
  factsAsOf: Date | null;
  ordersCount: number;
  revenueMinor: bigint;
  refundedMinor: bigint;
  firstOrderAt: Date | null;
  lastOrderAt: Date | null;
  lastActiveAt: Date | null;
  leadScore: number;
};

const minDate = (a: Date | null, b: Date | null) => (!a ? b : !b ? a : a < b ? a : b);
const maxDate = (a: Date | null, b: Date | null) => (!a ? b : !b ? a : a > b ? a : b);

/**
 * Combines profiles of one person: the oldest survives; counts add up; dates widen; the newest consent
 * decision and the newest names win; the survivor's contact fields win where it has them.
 */
export function mergeProfileFields(profiles: MergeableProfile[]): { survivorId: string; merged: Omit<MergeableProfile, "id" | "createdAt"> } {
  if (profiles.length === 0) throw new Error("nothing to merge");
  const sorted = [...profiles].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  const [survivor, ...others] = sorted;
  const merged = others.reduce(
    (acc, p) => {
      const consentNewer = p.emailConsentAt && (!acc.emailConsentAt || p.emailConsentAt > acc.emailConsentAt);
      const namesNewer = p.factsAsOf && (!acc.factsAsOf || p.factsAsOf > acc.factsAsOf);
      return {
        email: acc.email ?? p.email,
        phone: acc.phone ?? p.phone,
        shopifyCustomerId: acc.shopifyCustomerId ?? p.shopifyCustomerId,
        firstName: namesNewer ? (p.firstName ?? acc.firstName) : (acc.firstName ?? p.firstName),
        lastName: namesNewer ? (p.lastName ?? acc.lastName) : (acc.lastName ?? p.lastName),
        factsAsOf: maxDate(acc.factsAsOf, p.factsAsOf),
        emailConsent: consentNewer ? p.emailConsent : acc.emailConsent,
        emailConsentAt: consentNewer ? p.emailConsentAt : acc.emailConsentAt,
        emailConsentSource: consentNewer ? p.emailConsentSource : acc.emailConsentSource,
        ordersCount: acc.ordersCount + p.ordersCount,
        revenueMinor: acc.revenueMinor + p.revenueMinor,
        refundedMinor: acc.refundedMinor + p.refundedMinor,
        firstOrderAt: minDate(acc.firstOrderAt, p.firstOrderAt),
        lastOrderAt: maxDate(acc.lastOrderAt, p.lastOrderAt),
        lastActiveAt: maxDate(acc.lastActiveAt, p.lastActiveAt),
        leadScore: Math.max(acc.leadScore, p.leadScore),
      };
    },
    (({ id: _id, createdAt: _createdAt, ...rest }) => rest)(survivor),
  );
  return { survivorId: survivor.id, merged };
}
