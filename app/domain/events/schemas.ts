/** Zod building blocks and the error plumbing shared by the per-topic normalisers. */
import { z } from "zod";
import { toMinorUnits } from "../money";
import type { JsonValue, Normalized, NormalizeResult } from "./types";

/** A Shopify id as parsed by parseShopifyJson (a safe integer or an exact digit string), always output as a string. */
export const shopifyId = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/, "expected a numeric id")])
  .transform((id) => idString(id));

/** The one place ids become strings. */
export function idString(id: number | string): string {
  return typeof id === "number" ? String(id) : id;
}

/** Shopify money: a plain decimal string ("19.99"), never a float. */
export const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, "expected a decimal string");

export const currencyCode = z.string().regex(/^[A-Z]{3}$/, "expected an ISO 4217 currency code");

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))$/i;

/**
 * An ISO 8601 date-time WITH an offset (Shopify always sends one); without one the instant would depend on the
 * machine's time zone. Calendar-checked, since Date.parse silently rolls 2021-02-30 over to March.
 */
export function parseIsoDateTime(text: string): Date | null {
  const m = ISO_DATE_TIME.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second = "0", offH = "0", offM = "0"] = m.slice(1).map((s) => s ?? "0");
  const y = Number(year);
  const mo = Number(month);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (mo < 1 || mo > 12 || Number(day) < 1 || Number(day) > daysInMonth) return null;
  if (Number(hour) > 23 || Number(minute) > 59 || Number(second) > 59) return null;
  if (Number(offH) > 23 || Number(offM) > 59) return null;
  const time = Date.parse(text.trim());
  return Number.isNaN(time) ? null : new Date(time);
}

export const isoDate = z.string().transform((text, ctx) => {
  const date = parseIsoDateTime(text);
  if (date === null) {
    ctx.issues.push({ code: "custom", message: `not an ISO 8601 date-time with offset: ${JSON.stringify(text)}`, input: text });
    return z.NEVER;
  }
  return date;
});

/** A nullable/optional string field, read as `undefined` when null, absent or blank. */
export const optionalText = z
  .string()
  .nullish()
  .transform((s) => (s == null || s.trim() === "" ? undefined : s));

/** Shopify's `*_set` money bag; only the shop-currency side is used. */
export const moneySet = z.looseObject({
  shop_money: z.looseObject({ amount: decimal, currency_code: currencyCode }),
});

/** Thrown inside a normaliser; `attempt` turns it (and any other Error) into `{ ok: false }`. */
export class PayloadError extends Error {}

export function parsePayload<S extends z.ZodType>(schema: S, payload: unknown): z.output<S> {
  const result = schema.safeParse(payload);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const described = issues.slice(0, 3).map((issue) => {
    const path = issue.path.map((key) => String(key)).join(".");
    return path ? `${path}: ${issue.message}` : issue.message;
  });
  const more = issues.length > 3 ? ` (and ${issues.length - 3} more)` : "";
  throw new PayloadError(`${described.join("; ")}${more}`);
}

/** The no-throw boundary of every topic normaliser: errors become `"<topic>: <what is wrong>"`. */
export function attempt(topic: string, build: () => Normalized): NormalizeResult {
  try {
    return { ok: true, value: build() };
  } catch (error) {
    return { ok: false, error: `${topic}: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/** Exact minor units; a malformed amount or currency becomes a PayloadError naming the field. */
export function minor(amount: string, currency: string, field: string): bigint {
  try {
    return toMinorUnits(amount, currency);
  } catch (error) {
    throw new PayloadError(`${field}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** JSON-safe copy of parsed payload data, with numeric `id` / `*_id` values turned into strings. */
export function toJson(value: unknown, key = ""): JsonValue {
  if (value === null || typeof value === "string" || typeof value === "boolean") return value;
  if (typeof value === "number") {
    if (key === "id" || key.endsWith("_id")) return String(value);
    return Number.isFinite(value) ? value : null;
  }
  if (Array.isArray(value)) return value.map((item) => toJson(item));
  if (typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = toJson(v, k);
    return out;
  }
  return null;
}
