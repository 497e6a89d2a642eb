// Stores checked CSV rows (domain/profiles/csv-import.ts) through the same path as every other fact about a person:
// applyNormalized resolves the email (and phone) to the shop's existing profile or a new one, merging rather than
// duplicating, and applies names and consent under the usual rule (the newer consent wins).
import type { Db } from "../db/client.server";
import { CSV_CONSENT_SOURCE, type ImportRow } from "../domain/profiles/csv-import";
import { asObject } from "./flow-facts.server";
import { IDENTITY_KINDS } from "./identity.server";
import { applyNormalized } from "./ingest.server";

/** Rows per transaction: short enough not to hold SQLite's single writer for long. */
const CHUNK = 200;

export type ImportOutcome =
  | { ok: true; created: number; updated: number }
  /** Storage failed part-way: the rows before `failedAtLine` are stored, that row and the rest are not. */
  | { ok: false; created: number; updated: number; failedAtLine: number; error: string };

export async function importProfiles(db: Db, shop: { id: string; currency: string; timezone: string }, rows: ImportRow[], now: Date): Promise<ImportOutcome> {
  let created = 0;
  let updated = 0;
  for (let start = 0; start < rows.length; start += CHUNK) {
    const chunk = rows.slice(start, start + CHUNK);
    try {
      const counts = await db.$transaction(
        async (tx) => {
          const known = new Set(
            (await tx.profileIdentity.findMany({ where: { shopId: shop.id, kind: IDENTITY_KINDS.email, value: { in: chunk.map((r) => r.email) } }, select: { value: true } })).map((r) => r.value),
          );
          for (const row of chunk) {
            const { profileId } = await applyNormalized(
              tx,
              shop,
              {
                identity: { email: row.email, ...(row.phone ? { phone: row.phone } : {}) },
                profile: {
                  asOf: now,
                  ...(row.firstName ? { firstName: row.firstName } : {}),
                  ...(row.lastName ? { lastName: row.lastName } : {}),
                  ...(row.consent ? { emailConsent: { ...row.consent, source: CSV_CONSENT_SOURCE } } : {}),
                },
                events: [],
              },
              { source: "csv_import", now },
            );
            if (profileId && Object.keys(row.properties).length > 0) {
              const current = await tx.profile.findUniqueOrThrow({ where: { id: profileId }, select: { properties: true } });
              const properties = { ...asObject(current.properties), ...row.properties };
              await tx.profile.update({ where: { id: profileId }, data: { properties } });
            }
          }
          const fresh = chunk.filter((r) => !known.has(r.email)).length;
          return { created: fresh, updated: chunk.length - fresh };
        },
        { timeout: 60_000 },
      );
      created += counts.created;
      updated += counts.updated;
    } catch (error) {
      return { ok: false, created, updated, failedAtLine: chunk[0].line, error: error instanceof Error ? error.message : String(error) };
    }
  }
  return { ok: true, created, updated };
}
