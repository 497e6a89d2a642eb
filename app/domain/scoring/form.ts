/**
 * The Lead scoring page's two forms, parsed (pure): "rules" carries the whole configuration as JSON (the page's
 * editor builds it), "handoff" the Shopify tag and the CRM webhook address. Stored by app/models/lead-score.server.ts.
 */
import { nonPublicReason } from "../net/private-address";
import { parseScoringConfig, type ScoringConfig } from "./rules";

export const SCORING_SECTIONS = ["rules", "handoff"] as const;
export type ScoringSection = (typeof SCORING_SECTIONS)[number];

export const FORM_LIMITS = { configChars: 32 * 1024, tag: 40, url: 2048 } as const;

export type HandoffSettings = { salesReadyTag: string | null; crmWebhookUrl: string | null };

export type ScoringUpdate = { section: "rules"; config: ScoringConfig } | { section: "handoff"; values: HandoffSettings };

export type ScoringFormResult =
  | { ok: true; update: ScoringUpdate }
  | { ok: false; section: ScoringSection | null; message: string; errors: Record<string, string> };

// Control characters, and commas: Shopify reads a comma as the end of one tag and the start of the next.
const BAD_TAG = /[\u0000-\u001f\u007f,]/;
const BAD_URL_TEXT = /[\u0000-\u0020\u007f]/;

/** Why this address cannot receive the CRM webhook, or null. DNS is checked again at every delivery. */
export function crmUrlProblem(value: string): string | null {
  if (value.length > FORM_LIMITS.url) return `Use at most ${FORM_LIMITS.url} characters`;
  if (BAD_URL_TEXT.test(value)) return "An address has no spaces or control characters";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "Enter a full address, like https://crm.example.com/hooks/leads";
  }
  if (url.protocol !== "https:") return "Use an https:// address";
  if (url.username || url.password) return "Leave user name and password out of the address";
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const lower = host.toLowerCase();
  const singleLabel = !lower.includes(".") && !lower.includes(":");
  if (singleLabel || lower === "localhost" || [".localhost", ".local", ".internal"].some((suffix) => lower.endsWith(suffix))) {
    return "Use a public address: private and local addresses are refused";
  }
  if (/^[\d.]+$/.test(host) || host.includes(":")) {
    if (nonPublicReason(host) !== null) return "Use a public address: private and local addresses are refused";
  }
  return null;
}

function single(form: URLSearchParams, name: string, errors: Record<string, string>): string | null {
  const values = form.getAll(name);
  if (values.length === 1) return values[0];
  errors[name] = values.length === 0 ? "Required" : "Sent more than once";
  return null;
}

/** One section's form as values to store, or the errors to show. Anything else in the form is ignored. */
export function parseScoringForm(form: URLSearchParams): ScoringFormResult {
  const intents = form.getAll("intent");
  const section = SCORING_SECTIONS.find((s) => intents.length === 1 && intents[0] === s);
  if (!section) return { ok: false, section: null, message: "Unknown lead scoring section", errors: {} };
  const errors: Record<string, string> = {};

  if (section === "rules") {
    const text = single(form, "config", errors);
    if (text === null) return { ok: false, section, message: "Some fields are missing", errors };
    if (text.length > FORM_LIMITS.configChars) return { ok: false, section, message: "Too many rules to save at once", errors: { config: "Too large" } };
    const parsed = parseScoringConfig(text);
    if (parsed.ok) return { ok: true, update: { section, config: parsed.value } };
    return { ok: false, section, message: "Please fix the rules", errors: { [parsed.path || "config"]: parsed.message } };
  }

  const tag = single(form, "salesReadyTag", errors)?.trim();
  const url = single(form, "crmWebhookUrl", errors)?.trim();
  if (tag === undefined || url === undefined) return { ok: false, section, message: "Some fields are missing", errors };
  if (tag.length > FORM_LIMITS.tag) errors.salesReadyTag = `Use at most ${FORM_LIMITS.tag} characters`;
  else if (BAD_TAG.test(tag)) errors.salesReadyTag = "One tag: no commas or line breaks";
  const urlProblem = url === "" ? null : crmUrlProblem(url);
  if (urlProblem) errors.crmWebhookUrl = urlProblem;
  if (Object.keys(errors).length > 0) return { ok: false, section, message: "Please fix the highlighted fields", errors };
  return { ok: true, update: { section, values: { salesReadyTag: tag || null, crmWebhookUrl: url || null } } };
}
