import type { Prisma } from "../db/client.server";
import type { IdentityHints } from "../domain/events/types";
import { mergeProfileFields } from "../domain/profiles/merge";
import { mergeLeadScores } from "./lead-score.server";
import { refreshCohortRevenue } from "./holdout.server";

export type Tx = Prisma.TransactionClient;

export const IDENTITY_KINDS = {
  shopifyCustomerId: "shopify_customer",
  email: "email",
  phone: "phone",
  checkoutToken: "checkout_token",
  pixelClientId: "pixel_client",
} as const;

// Strongest first: when identities disagree, the stronger one decides which profile the fact belongs to.
const STRENGTH = ["shopifyCustomerId", "email", "phone", "checkoutToken", "pixelClientId"] as const;

type Pair = { kind: string; value: string };

function identityPairs(hints: IdentityHints): Pair[] {
  return STRENGTH.flatMap((key) => (hints[key] ? [{ kind: IDENTITY_KINDS[key], value: hints[key] }] : []));
}

/**
 * The profile these identities belong to: found, created, or several merged into one. Two profiles tied to
 * different Shopify customers are different people and are never merged; the fact goes to the strongest match.
 */
export async function resolveProfile(tx: Tx, shopId: string, hints: IdentityHints): Promise<string | null> {
  const pairs = identityPairs(hints);
  if (pairs.length === 0) return null;
  const found = await tx.profileIdentity.findMany({
    where: { shopId, OR: pairs.map((p) => ({ kind: p.kind, value: p.value })) },
    select: { profileId: true, kind: true, value: true, profile: { select: { email: true, phone: true, shopifyCustomerId: true } } },
  });

  if (found.length === 0) return createProfile(tx, shopId, hints, pairs);

  // Candidates in order of the strongest identity that found them.
  const rank = (kind: string) => pairs.findIndex((p) => p.kind === kind);
  const candidates = [...new Set([...found].sort((a, b) => rank(a.kind) - rank(b.kind)).map((f) => f.profileId))];
  // One candidate found by this customer's id, or with no customer id to compare: nothing can conflict (the hot path).
  const foundByCustomer = found.some((f) => f.kind === IDENTITY_KINDS.shopifyCustomerId);
  const mayConflict = candidates.length > 1 || (hints.shopifyCustomerId !== undefined && !foundByCustomer);
  const customerOf = new Map(
    mayConflict
      ? (
          await tx.profileIdentity.findMany({
            where: { shopId, profileId: { in: candidates }, kind: IDENTITY_KINDS.shopifyCustomerId },
            select: { profileId: true, value: true },
          })
        ).map((row) => [row.profileId, row.value])
      : [],
  );
  const customerId = hints.shopifyCustomerId ?? candidates.map((id) => customerOf.get(id)).find(Boolean);
  const group = candidates.filter((id) => !customerOf.has(id) || customerOf.get(id) === customerId);
  const target = group.length > 1 ? await mergeProfiles(tx, shopId, group) : group[0] ?? null;

  const owned = new Set(found.map((f) => `${f.kind}:${f.value}`));
  const unowned = pairs.filter((p) => !owned.has(`${p.kind}:${p.value}`));
  if (!target) {
    // Every match belongs to another Shopify customer: this customer is a new person.
    return createProfile(tx, shopId, hints, unowned);
  }
  const profileId = target;
  if (unowned.length > 0) {
    await tx.profileIdentity.createMany({ data: unowned.map((p) => ({ shopId, profileId, ...p })) });
  }
  const merged = group.length > 1;
  const current = merged
    ? await tx.profile.findUniqueOrThrow({ where: { id: profileId }, select: { email: true, phone: true, shopifyCustomerId: true } })
    : found.find((f) => f.profileId === profileId)!.profile;
  const fill = {
    ...(!current.email && hints.email ? { email: hints.email } : {}),
    ...(!current.phone && hints.phone ? { phone: hints.phone } : {}),
    ...(!current.shopifyCustomerId && hints.shopifyCustomerId ? { shopifyCustomerId: hints.shopifyCustomerId } : {}),
  };
  if (Object.keys(fill).length > 0) await tx.profile.update({ where: { id: profileId }, data: fill });
  return profileId;
}

async function createProfile(tx: Tx, shopId: string, hints: IdentityHints, identities: Pair[]) {
  const profile = await tx.profile.create({
    data: {
      shopId,
      email: hints.email ?? null,
      phone: hints.phone ?? null,
      shopifyCustomerId: hints.shopifyCustomerId ?? null,
      identities: { create: identities.map((p) => ({ shopId, ...p })) },
    },
    select: { id: true },
  });
  return profile.id;
}

const MERGE_SELECT = {
  id: true, createdAt: true, email: true, phone: true, firstName: true, lastName: true, shopifyCustomerId: true,
  emailConsent: true, emailConsentAt: true, emailConsentSource: true, factsAsOf: true, ordersCount: true,
  revenueMinor: true, refundedMinor: true, firstOrderAt: true, lastOrderAt: true, lastActiveAt: true, leadScore: true,
} as const;

/** Merges profiles of one person into the oldest: identities, events, messages, runs and orders move; nothing is lost. */
export async function mergeProfiles(tx: Tx, shopId: string, profileIds: string[]): Promise<string> {
  const profiles = await tx.profile.findMany({ where: { shopId, id: { in: profileIds } }, select: MERGE_SELECT });
  const { survivorId, merged } = mergeProfileFields(profiles);
  const others = profiles.map((p) => p.id).filter((id) => id !== survivorId);
  const moved = { where: { shopId, profileId: { in: others } }, data: { profileId: survivorId } };
  await tx.profileIdentity.updateMany(moved);
  await tx.event.updateMany(moved);
  await tx.message.updateMany(moved);
  const runsMoved = await tx.flowRun.updateMany(moved);
  const ordersMoved = await tx.orderState.updateMany(moved);
  await tx.attribution.updateMany(moved);
  // The merged-away rows stay as tombstones pointing at the survivor, holding no personal data or numbers.
  await tx.profile.updateMany({
    where: { shopId, id: { in: others } },
    data: {
      mergedIntoId: survivorId, email: null, phone: null, firstName: null, lastName: null, shopifyCustomerId: null,
      ordersCount: 0, revenueMinor: 0n, refundedMinor: 0n,
    },
  });
  await tx.profile.updateMany({ where: { shopId, mergedIntoId: { in: others } }, data: { mergedIntoId: survivorId } });
  await tx.profile.update({ where: { id: survivorId }, data: merged });
  // After the fields: the combined lead score replaces the larger of the two that mergeProfileFields kept.
  await mergeLeadScores(tx, shopId, survivorId, others);
  // One person's runs now meet the other's orders: their conversion windows are counted again.
  if (runsMoved.count > 0 || ordersMoved.count > 0) {
    const shop = await tx.shop.findUniqueOrThrow({ where: { id: shopId }, select: { id: true, timezone: true } });
    await refreshCohortRevenue(tx, shop, survivorId);
  }
  return survivorId;
}
