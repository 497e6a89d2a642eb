import { z } from "zod";
import type { AdminGraphql } from "./shopify-admin.server";

/** The web pixel's settings as the extension declares them (extensions/web-pixel/shopify.extension.toml). */
export type WebPixelSettings = { ingestUrl: string; ingestKey: string };

const CREATE = `#graphql
mutation ConnectPixel($settings: JSON!) {
  webPixelCreate(webPixel: { settings: $settings }) { webPixel { id } userErrors { code field message } }
}`;
const FIND = `#graphql
query CurrentPixel { webPixel { id settings } }`;
const UPDATE = `#graphql
mutation UpdatePixel($id: ID!, $settings: JSON!) {
  webPixelUpdate(id: $id, webPixel: { settings: $settings }) { webPixel { id } userErrors { code field message } }
}`;

const userErrors = z.array(z.object({ code: z.string().nullish(), message: z.string() }));
const createResult = z.object({ webPixelCreate: z.object({ webPixel: z.object({ id: z.string() }).nullish(), userErrors }) });
const updateResult = z.object({ webPixelUpdate: z.object({ webPixel: z.object({ id: z.string() }).nullish(), userErrors }) });
const findResult = z.object({ webPixel: z.object({ id: z.string() }).nullish() });

export type ConnectResult = { status: "created" | "updated"; id: string } | { status: "error"; error: string };

/**
 * Turns on the app's web pixel for a shop with its ingest settings, or updates the existing one (reinstall,
 * rotated key). Expected failures come back as values.
 */
export async function connectWebPixel(admin: AdminGraphql, settings: WebPixelSettings): Promise<ConnectResult> {
  const json = JSON.stringify(settings);
  const created = await admin.request(CREATE, { settings: json });
  if (!created.ok) return { status: "error", error: created.error };
  const parsed = createResult.safeParse(created.data);
  if (!parsed.success) return { status: "error", error: "unexpected webPixelCreate answer" };
  const { webPixel, userErrors: errors } = parsed.data.webPixelCreate;
  if (webPixel) return { status: "created", id: webPixel.id };
  // One pixel per app and shop: an existing one ("TAKEN") is updated instead.
  if (!errors.some((e) => e.code === "TAKEN")) return { status: "error", error: errors.map((e) => e.message).join("; ") };

  const found = await admin.request(FIND);
  const existing = found.ok ? findResult.safeParse(found.data) : null;
  const id = existing?.success ? existing.data.webPixel?.id : undefined;
  if (!id) return { status: "error", error: found.ok ? "the shop reports a pixel but none could be read" : found.error };
  const updated = await admin.request(UPDATE, { id, settings: json });
  if (!updated.ok) return { status: "error", error: updated.error };
  const update = updateResult.safeParse(updated.data);
  if (!update.success) return { status: "error", error: "unexpected webPixelUpdate answer" };
  const result = update.data.webPixelUpdate;
  return result.webPixel ? { status: "updated", id: result.webPixel.id } : { status: "error", error: result.userErrors.map((e) => e.message).join("; ") };
}
