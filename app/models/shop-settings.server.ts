import type { Db } from "../db/client.server";
import {
  ATTRIBUTION_RULES,
  SECTION_FIELDS,
  type AllSettings,
  type AttributionRule,
  type SettingsField,
  type SettingsSection,
  type SettingsUpdate,
} from "../domain/settings";
import { forgetCachedShop, getShopSettings } from "./shop.server";

export type SettingsSaved = {
  section: SettingsSection;
  /** The section's values as stored. */
  values: SettingsUpdate["values"];
  /**
   * The fields whose stored value this save changed, so a caller can react: a changed attribution field
   * (needsAttributionRecompute) means past orders' attribution should be recomputed (issue 6).
   */
  changed: SettingsField[];
};

function asRule(value: string): AttributionRule {
  // The column is a free string; anything unexpected reads as the default rule.
  return ATTRIBUTION_RULES.find((r) => r === value) ?? "click_then_open";
}

/** The shop's settings (ShopSettings, created with defaults when missing, plus Shop.timezone), or null for no such shop. */
export async function loadSettings(db: Db, shopId: string): Promise<AllSettings | null> {
  const shop = await db.shop.findUnique({ where: { id: shopId }, select: { timezone: true } });
  if (!shop) return null;
  const s = await getShopSettings(db, shopId);
  return {
    senderName: s.senderName,
    senderEmail: s.senderEmail,
    replyToEmail: s.replyToEmail,
    logoUrl: s.logoUrl,
    brandColor: s.brandColor,
    postalAddress: s.postalAddress,
    smartSendingHours: s.smartSendingHours,
    quietHoursStartMin: s.quietHoursStartMin,
    quietHoursEndMin: s.quietHoursEndMin,
    timezone: shop.timezone,
    holdoutPercent: s.holdoutPercent,
    attributionRule: asRule(s.attributionRule),
    clickWindowHours: s.clickWindowHours,
    openWindowHours: s.openWindowHours,
    excludeMachineOpens: s.excludeMachineOpens,
  };
}

/**
 * Stores one section for one shop (every write is keyed by shopId) and reports which fields changed.
 * Fields of other sections are not written. Null when the shop does not exist.
 */
export async function updateSettingsSection(db: Db, shopId: string, update: SettingsUpdate): Promise<SettingsSaved | null> {
  const saved = await db.$transaction(async (tx) => {
    const shop = await tx.shop.findUnique({ where: { id: shopId }, select: { domain: true, timezone: true } });
    if (!shop) return null;
    const before = await tx.shopSettings.findUnique({ where: { shopId } });
    const current: Partial<Record<SettingsField, unknown>> = { ...before, timezone: shop.timezone };
    const next: Partial<Record<SettingsField, unknown>> = update.values;
    const changed = SECTION_FIELDS[update.section].filter((field: SettingsField) => current[field] !== next[field]);

    if (update.section === "sending") {
      const { timezone, ...columns } = update.values;
      await tx.shopSettings.upsert({ where: { shopId }, create: { shopId, ...columns }, update: columns });
      if (timezone !== shop.timezone) await tx.shop.update({ where: { id: shopId }, data: { timezone } });
    } else {
      await tx.shopSettings.upsert({ where: { shopId }, create: { shopId, ...update.values }, update: update.values });
    }
    return { domain: shop.domain, changed };
  });
  if (!saved) return null;
  // Webhook handlers cache the Shop row (timezone included) for a few seconds.
  if (saved.changed.includes("timezone")) forgetCachedShop(saved.domain);
  return { section: update.section, values: update.values, changed: saved.changed };
}
