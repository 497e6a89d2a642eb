/** One CSV row per profile for a segment export; the import (csv-import.ts) reads these columns back. */
import { toDecimalString } from "../money";
import type { JsonValue } from "../events/types";

export const EXPORT_COLUMNS = [
  "email", "first_name", "last_name", "phone", "email_consent", "email_consent_at", "email_consent_source",
  "orders", "revenue", "currency", "first_order_at", "last_order_at", "rfm_group", "lead_score", "properties",
] as const;

export type ExportProfile = {
  email: string | null; firstName: string | null; lastName: string | null; phone: string | null;
  emailConsent: string; emailConsentAt: Date | null; emailConsentSource: string | null;
  ordersCount: number; revenueMinor: bigint; currency: string | null;
  firstOrderAt: Date | null; lastOrderAt: Date | null; rfmGroup: string | null; leadScore: number;
  properties: JsonValue | null;
};

/**
 * A spreadsheet runs a cell starting with = + - @ (or a tab or carriage return) as a formula: such text gets a
 * leading apostrophe, the usual guard against CSV injection.
 */
export function spreadsheetSafe(text: string): string {
  return /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

const day = (d: Date | null) => (d ? d.toISOString() : "");

export function exportRow(p: ExportProfile, shopCurrency: string): string[] {
  const currency = p.currency ?? shopCurrency;
  const text = (v: string | null) => spreadsheetSafe(v ?? "");
  return [
    text(p.email), text(p.firstName), text(p.lastName), text(p.phone), p.emailConsent, day(p.emailConsentAt), text(p.emailConsentSource),
    String(p.ordersCount), toDecimalString(p.revenueMinor, currency), currency, day(p.firstOrderAt), day(p.lastOrderAt),
    text(p.rfmGroup), String(p.leadScore), p.properties === null ? "" : spreadsheetSafe(JSON.stringify(p.properties)),
  ];
}
