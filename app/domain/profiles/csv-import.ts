/**
 * Reads a customer CSV into import rows, checking every row before anything is stored: a file with any bad row is
 * refused whole, with each bad row's line and what is wrong with it. Known columns (email, names, phone, consent)
 * map to profile fields; every other column becomes a custom property, which segments can then use.
 */
import { parse } from "csv-parse/sync";
import { z } from "zod";
import { normalizeEmail, normalizePhone } from "../events/identity";
import type { EmailConsentState, JsonObject } from "../events/types";

export const CSV_IMPORT_LIMITS = { bytes: 2 * 1024 * 1024, rows: 5_000, columns: 50, cell: 1_000 } as const;
/** Recorded as the consent source, so the customer page says where the consent came from. */
export const CSV_CONSENT_SOURCE = "csv import";

export type ImportRow = {
  line: number;
  email: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  consent?: { state: EmailConsentState; at: Date };
  properties: JsonObject;
};

export type RowError = { line: number; errors: string[] };
export type CsvImportParse = { ok: true; rows: ImportRow[] } | { ok: false; error: string; rowErrors: RowError[] };

const FIELD_ALIASES: Record<string, string> = {
  email: "email", e_mail: "email", email_address: "email",
  first_name: "firstName", firstname: "firstName", given_name: "firstName",
  last_name: "lastName", lastname: "lastName", surname: "lastName", family_name: "lastName",
  phone: "phone", phone_number: "phone",
  email_consent: "consent", email_marketing_consent: "consent", accepts_email_marketing: "consent", accepts_marketing: "consent",
  email_consent_at: "consentAt", email_consent_updated_at: "consentAt", consent_updated_at: "consentAt",
};

const CONSENT_WORDS: Record<string, EmailConsentState> = {
  subscribed: "subscribed", yes: "subscribed", true: "subscribed",
  unsubscribed: "unsubscribed", no: "unsubscribed", false: "unsubscribed",
  pending: "pending",
  unknown: "unknown", not_subscribed: "unknown",
};

/** "First Name" -> "first_name": how a header is matched and how a custom property is named. */
export function headerKey(header: string): string {
  return header.trim().toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_+|_+$/g, "");
}

const email = z.email();

/** Parses and checks the whole file; `now` dates consent that carries no date of its own. */
export function parseCustomerCsv(text: string, now: Date): CsvImportParse {
  const refuse = (error: string): CsvImportParse => ({ ok: false, error, rowErrors: [] });
  if (Buffer.byteLength(text, "utf8") > CSV_IMPORT_LIMITS.bytes) return refuse(`The file is larger than ${CSV_IMPORT_LIMITS.bytes / 1024 / 1024} MB`);
  let records: string[][];
  try {
    records = parse(text, { bom: true, skip_empty_lines: true, relax_column_count: false, trim: true, to: CSV_IMPORT_LIMITS.rows + 2 });
  } catch (error) {
    return refuse(`The file is not valid CSV: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (records.length === 0) return refuse("The file is empty");
  const headers = records[0].map(headerKey);
  if (headers.length > CSV_IMPORT_LIMITS.columns) return refuse(`The file has more than ${CSV_IMPORT_LIMITS.columns} columns`);
  const fields = headers.map((h) => FIELD_ALIASES[h] ?? null);
  if (!fields.includes("email")) return refuse("The file needs an email column (a header row with “email”)");
  const badHeader = headers.find((h, i) => !fields[i] && !/^[a-z_][a-z0-9_]*$/.test(h));
  if (badHeader !== undefined) return refuse(`Column “${badHeader || "(blank)"}” cannot be a property name: start it with a letter`);
  const dupe = headers.find((h, i) => headers.indexOf(h) !== i);
  if (dupe) return refuse(`Column “${dupe}” appears twice`);
  if (records.length - 1 > CSV_IMPORT_LIMITS.rows) return refuse(`The file has more than ${CSV_IMPORT_LIMITS.rows} customers; split it`);

  const rows: ImportRow[] = [];
  const rowErrors: RowError[] = [];
  const seen = new Map<string, number>();
  records.slice(1).forEach((cells, index) => {
    const line = index + 2; // the header is line 1 (records, not physical lines: a quoted newline stays in its record)
    const errors: string[] = [];
    const row: ImportRow = { line, email: "", properties: {} };
    let consentState: EmailConsentState | undefined;
    let consentAt: Date | undefined;
    cells.forEach((cell, i) => {
      if (cell.length > CSV_IMPORT_LIMITS.cell) errors.push(`${records[0][i]} is longer than ${CSV_IMPORT_LIMITS.cell} characters`);
      const field = fields[i];
      if (!field) {
        if (cell !== "") row.properties[headers[i]] = cell;
        return;
      }
      if (field === "email") {
        const normalized = normalizeEmail(cell);
        if (!normalized) errors.push("email is missing");
        else if (!email.safeParse(normalized).success) errors.push(`“${cell}” is not an email address`);
        else row.email = normalized;
      } else if (field === "phone") {
        const phone = normalizePhone(cell);
        if (phone) row.phone = phone;
      } else if (field === "firstName" || field === "lastName") {
        if (cell) row[field] = cell;
      } else if (field === "consent" && cell !== "") {
        consentState = CONSENT_WORDS[headerKey(cell)];
        if (!consentState) errors.push(`email consent “${cell}” is not one of subscribed, unsubscribed, pending, unknown, yes, no`);
      } else if (field === "consentAt" && cell !== "") {
        const at = new Date(cell);
        if (Number.isNaN(at.getTime()) || !/^\d{4}-\d{2}-\d{2}/.test(cell)) errors.push(`consent date “${cell}” is not a date (YYYY-MM-DD or ISO 8601)`);
        else if (at > now) errors.push(`consent date ${cell} is in the future`);
        else consentAt = at;
      }
    });
    if (consentAt && !consentState) errors.push("a consent date needs an email consent state beside it");
    if (consentState) row.consent = { state: consentState, at: consentAt ?? now };
    if (row.email) {
      const first = seen.get(row.email);
      if (first !== undefined) errors.push(`${row.email} is already on line ${first}`);
      else seen.set(row.email, line);
    }
    if (errors.length > 0) rowErrors.push({ line, errors });
    else rows.push(row);
  });
  if (rowErrors.length > 0) {
    return { ok: false, error: `${rowErrors.length} of ${records.length - 1} rows have problems; nothing was imported`, rowErrors };
  }
  if (rows.length === 0) return refuse("The file has a header but no customers");
  return { ok: true, rows };
}
