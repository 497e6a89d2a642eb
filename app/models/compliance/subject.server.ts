import { normalizeEmail, normalizePhone } from "../../domain/events/identity";
import { IDENTITY_KINDS, type Tx } from "../identity.server";

/** The customer a compliance webhook names; any of the three may be missing. */
export type CustomerRef = { customerId?: string; email?: string; phone?: string };

/** Everything that identifies one customer in one shop: their profiles and every id, email and phone we hold. */
export type Subject = {
  profileIds: string[];
  customerIds: string[];
  emails: string[];
  phones: string[];
};

const nonEmpty = (values: Array<string | null | undefined>) => [...new Set(values.filter((v): v is string => !!v))];

/**
 * The customer's profiles, found (never created) by Shopify customer id, email or phone, plus the profiles merged
 * into them. A profile that an email or phone leads to but that belongs to another Shopify customer is someone else.
 */
export async function findSubject(tx: Tx, shopId: string, ref: CustomerRef): Promise<Subject> {
  const email = normalizeEmail(ref.email);
  const phone = normalizePhone(ref.phone);
  const pairs = [
    ...(ref.customerId ? [{ kind: IDENTITY_KINDS.shopifyCustomerId, value: ref.customerId }] : []),
    ...(email ? [{ kind: IDENTITY_KINDS.email, value: email }] : []),
    ...(phone ? [{ kind: IDENTITY_KINDS.phone, value: phone }] : []),
  ];
  const columns = [
    ...(ref.customerId ? [{ shopifyCustomerId: ref.customerId }] : []),
    ...(email ? [{ email }] : []),
    ...(phone ? [{ phone }] : []),
  ];
  if (pairs.length === 0) return { profileIds: [], customerIds: [], emails: [], phones: [] };

  const byIdentity = await tx.profileIdentity.findMany({ where: { shopId, OR: pairs }, select: { profileId: true } });
  const byColumn = await tx.profile.findMany({ where: { shopId, OR: columns }, select: { id: true } });
  let candidates = nonEmpty([...byIdentity.map((i) => i.profileId), ...byColumn.map((p) => p.id)]);

  if (ref.customerId && candidates.length > 0) {
    const links = await tx.profileIdentity.findMany({
      where: { shopId, profileId: { in: candidates }, kind: IDENTITY_KINDS.shopifyCustomerId },
      select: { profileId: true, value: true },
    });
    const columnsLinks = await tx.profile.findMany({
      where: { shopId, id: { in: candidates }, shopifyCustomerId: { not: null } },
      select: { id: true, shopifyCustomerId: true },
    });
    const someoneElse = new Set([
      ...links.filter((l) => l.value !== ref.customerId).map((l) => l.profileId),
      ...columnsLinks.filter((p) => p.shopifyCustomerId !== ref.customerId).map((p) => p.id),
    ]);
    candidates = candidates.filter((id) => !someoneElse.has(id));
  }

  const profileIds = new Set(candidates);
  for (let frontier = candidates; frontier.length > 0; ) {
    const merged = await tx.profile.findMany({ where: { shopId, mergedIntoId: { in: frontier } }, select: { id: true } });
    frontier = merged.map((p) => p.id).filter((id) => !profileIds.has(id));
    for (const id of frontier) profileIds.add(id);
  }

  const ids = [...profileIds];
  const identities = ids.length
    ? await tx.profileIdentity.findMany({ where: { shopId, profileId: { in: ids } }, select: { kind: true, value: true } })
    : [];
  const profiles = ids.length
    ? await tx.profile.findMany({ where: { shopId, id: { in: ids } }, select: { email: true, phone: true, shopifyCustomerId: true } })
    : [];
  const valuesOf = (kind: string) => identities.filter((i) => i.kind === kind).map((i) => i.value);
  return {
    profileIds: ids,
    customerIds: nonEmpty([ref.customerId, ...valuesOf(IDENTITY_KINDS.shopifyCustomerId), ...profiles.map((p) => p.shopifyCustomerId)]),
    emails: nonEmpty([email, ...valuesOf(IDENTITY_KINDS.email), ...profiles.map((p) => normalizeEmail(p.email))]),
    // Both the form Shopify sent and the normalised one: raw payloads hold the former.
    phones: nonEmpty([ref.phone?.trim(), phone, ...valuesOf(IDENTITY_KINDS.phone), ...profiles.map((p) => p.phone)]),
  };
}
