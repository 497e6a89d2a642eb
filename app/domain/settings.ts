/**
 * The merchant's settings as the Settings page edits them: one form per section, parsed and validated here
 * (pure), stored by app/models/shop-settings.server.ts. Form values are strings; stored values are the
 * ShopSettings columns (and Shop.timezone).
 */
import { z } from "zod";

export const SETTINGS_SECTIONS = ["sender", "sending", "attribution"] as const;
export type SettingsSection = (typeof SETTINGS_SECTIONS)[number];

export type SenderSettings = {
  senderName: string | null;
  senderEmail: string | null;
  replyToEmail: string | null;
  logoUrl: string | null;
  brandColor: string;
  postalAddress: string | null;
};

export type SendingSettings = {
  smartSendingHours: number;
  quietHoursStartMin: number;
  quietHoursEndMin: number;
  /** IANA name; stored on Shop, not ShopSettings. */
  timezone: string;
  holdoutPercent: number;
};

export const ATTRIBUTION_RULES = ["click_then_open", "click_only"] as const;
export type AttributionRule = (typeof ATTRIBUTION_RULES)[number];

export type AttributionSettings = {
  attributionRule: AttributionRule;
  clickWindowHours: number;
  openWindowHours: number;
  excludeMachineOpens: boolean;
};

export type AllSettings = SenderSettings & SendingSettings & AttributionSettings;
export type SettingsField = keyof AllSettings;

/** One section's validated values, ready to store. */
export type SettingsUpdate =
  | { section: "sender"; values: SenderSettings }
  | { section: "sending"; values: SendingSettings }
  | { section: "attribution"; values: AttributionSettings };

/** The stored fields each section owns: saving a section writes these and nothing else. */
export const SECTION_FIELDS = {
  sender: ["senderName", "senderEmail", "replyToEmail", "logoUrl", "brandColor", "postalAddress"],
  sending: ["smartSendingHours", "quietHoursStartMin", "quietHoursEndMin", "timezone", "holdoutPercent"],
  attribution: ["attributionRule", "clickWindowHours", "openWindowHours", "excludeMachineOpens"],
} as const satisfies { [S in SettingsSection]: readonly (keyof Extract<SettingsUpdate, { section: S }>["values"])[] };

/** Fields whose change alters which email earned past orders: a caller should recompute attribution history. */
export const ATTRIBUTION_HISTORY_FIELDS: readonly SettingsField[] = SECTION_FIELDS.attribution;

/** True when any changed field calls for recomputing attributed revenue (issue 6). */
export function needsAttributionRecompute(changed: readonly SettingsField[]): boolean {
  return changed.some((field) => ATTRIBUTION_HISTORY_FIELDS.includes(field));
}

export const LIMITS = {
  smartSendingHours: { min: 0, max: 720 },
  windowHours: { min: 1, max: 720 },
  holdoutPercent: { min: 0, max: 50 },
  senderName: 100,
  email: 254,
  logoUrl: 2048,
  postalAddress: 500,
  postalAddressLines: 8,
} as const;

// --- Timezones -------------------------------------------------------------------------------------------

let supported: ReadonlySet<string> | undefined;

/**
 * Timezone names a shop may choose: Intl's list, plus "UTC" (the schema default, which Node 20's list omits)
 * and the shop's current value (Shopify may have stored an alias such as Asia/Kolkata that the list spells
 * differently; re-saving the section must not fail on it).
 */
export function timezoneChoices(current?: string): ReadonlySet<string> {
  supported ??= new Set(["UTC", ...Intl.supportedValuesOf("timeZone")]);
  if (!current || supported.has(current)) return supported;
  return new Set([...supported, current]);
}

// --- Form values -----------------------------------------------------------------------------------------

/** Minutes after midnight as HH:MM. */
export function formatClock(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** HH:MM (00:00-23:59) as minutes after midnight, or null. */
export function parseClock(value: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value.trim());
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

export type WindowUnit = "hours" | "days";

/** A window in days when it is a whole number of days, else in hours. */
export function windowForForm(hours: number): { amount: string; unit: WindowUnit } {
  return hours % 24 === 0 ? { amount: String(hours / 24), unit: "days" } : { amount: String(hours), unit: "hours" };
}

/** "5 days", "1 day", "36 hours". */
export function describeHours(hours: number): string {
  const { amount, unit } = windowForForm(hours);
  return `${amount} ${amount === "1" ? unit.slice(0, -1) : unit}`;
}

/** The quiet window as people read it: "21:00–08:00 shop time", or none when start equals end. */
export function describeQuietHours(startMin: number, endMin: number): string {
  return startMin === endMin ? "No quiet hours" : `${formatClock(startMin)}–${formatClock(endMin)} shop time`;
}

/** Each section's form fields, filled from stored values (what the Settings page starts from). */
export function settingsFormValues(s: AllSettings) {
  const click = windowForForm(s.clickWindowHours);
  const open = windowForForm(s.openWindowHours);
  return {
    sender: {
      senderName: s.senderName ?? "",
      senderEmail: s.senderEmail ?? "",
      replyToEmail: s.replyToEmail ?? "",
      logoUrl: s.logoUrl ?? "",
      brandColor: s.brandColor,
      postalAddress: s.postalAddress ?? "",
    },
    sending: {
      smartSendingHours: String(s.smartSendingHours),
      quietHoursStart: formatClock(s.quietHoursStartMin),
      quietHoursEnd: formatClock(s.quietHoursEndMin),
      timezone: s.timezone,
      holdoutPercent: String(s.holdoutPercent),
    },
    attribution: {
      attributionRule: s.attributionRule,
      clickWindow: click.amount,
      clickWindowUnit: click.unit,
      openWindow: open.amount,
      openWindowUnit: open.unit,
      excludeMachineOpens: String(s.excludeMachineOpens),
    },
  } satisfies { [S in SettingsSection]: Record<string, string> };
}

export type SettingsFormValues = ReturnType<typeof settingsFormValues>;

// --- Schemas ---------------------------------------------------------------------------------------------

// Control characters would let a value break a header (sender name) or a line of the footer.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const optionalText = (max: number, label: string) =>
  z
    .string()
    .trim()
    .max(max, `${label} must be at most ${max} characters`)
    .refine((v) => !CONTROL.test(v) && !/[\r\n\t]/.test(v), `${label} must be a single line of text`)
    .transform((v) => (v === "" ? null : v));

const optionalEmail = (label: string) =>
  z
    .string()
    .trim()
    .max(LIMITS.email, `${label} is too long`)
    .refine((v) => v === "" || z.email().safeParse(v).success, `Enter a valid email address, like hello@yourshop.com`)
    .transform((v) => (v === "" ? null : v));

function isHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "" && !url.username && !url.password;
  } catch {
    return false;
  }
}

const logoUrl = z
  .string()
  .trim()
  .max(LIMITS.logoUrl, `The logo URL must be at most ${LIMITS.logoUrl} characters`)
  .refine((v) => v === "" || isHttpsUrl(v), "Use an https:// address, so email clients load the logo")
  .transform((v) => (v === "" ? null : v));

const brandColor = z
  .string()
  .trim()
  .regex(/^#[0-9a-fA-F]{6}$/, "Use a colour like #1a1a1a (# and six hex digits)")
  .transform((v) => v.toLowerCase());

const postalAddress = z
  .string()
  .max(LIMITS.postalAddress, `The address must be at most ${LIMITS.postalAddress} characters`)
  .refine((v) => !CONTROL.test(v), "The address contains characters that cannot be printed")
  .transform((v) =>
    v
      .split(/\r\n|\r|\n/)
      .map((line) => line.replace(/\t/g, " ").trim())
      .filter((line) => line !== "")
      .join("\n"),
  )
  .refine((v) => v.split("\n").length <= LIMITS.postalAddressLines, `Use at most ${LIMITS.postalAddressLines} lines`)
  .transform((v) => (v === "" ? null : v));

const wholeNumber = (label: string, min: number, max: number, unit = "") =>
  z
    .string()
    .trim()
    .regex(/^\d{1,7}$/, `${label} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${label} must be between ${min} and ${max}${unit}`).max(max, `${label} must be between ${min} and ${max}${unit}`));

const clock = (label: string) =>
  z
    .string()
    .transform((v, ctx) => {
      const minutes = parseClock(v);
      if (minutes === null) ctx.addIssue({ code: "custom", message: `${label}: use 24-hour HH:MM, like 21:00` });
      return minutes ?? 0;
    });

const senderSchema = z.object({
  senderName: optionalText(LIMITS.senderName, "The sender name"),
  senderEmail: optionalEmail("The sender address"),
  replyToEmail: optionalEmail("The reply-to address"),
  logoUrl,
  brandColor,
  postalAddress,
});

function sendingSchema(timezones: ReadonlySet<string>) {
  return z
    .object({
      smartSendingHours: wholeNumber("The smart sending window", LIMITS.smartSendingHours.min, LIMITS.smartSendingHours.max, " hours"),
      quietHoursStart: clock("Start"),
      quietHoursEnd: clock("End"),
      timezone: z.string().trim().refine((v) => timezones.has(v), "Choose a timezone from the list, like Europe/Berlin"),
      holdoutPercent: wholeNumber("The holdout share", LIMITS.holdoutPercent.min, LIMITS.holdoutPercent.max, " %"),
    })
    .transform(
      (v): SendingSettings => ({
        smartSendingHours: v.smartSendingHours,
        quietHoursStartMin: v.quietHoursStart,
        quietHoursEndMin: v.quietHoursEnd,
        timezone: v.timezone,
        holdoutPercent: v.holdoutPercent,
      }),
    );
}

const windowAmount = (label: string) => z.string().trim().regex(/^\d{1,7}$/, `${label} must be a whole number`).transform(Number);
const windowUnit = z.enum(["hours", "days"], "Choose hours or days");
const HOURS_PER = { hours: 1, days: 24 } as const;

const attributionSchema = z
  .object({
    attributionRule: z.enum(ATTRIBUTION_RULES, "Choose an attribution rule"),
    clickWindow: windowAmount("The click window"),
    clickWindowUnit: windowUnit,
    openWindow: windowAmount("The open window"),
    openWindowUnit: windowUnit,
    excludeMachineOpens: z.enum(["true", "false"], "Choose whether to exclude machine opens"),
  })
  .transform((v, ctx): AttributionSettings => {
    const click = v.clickWindow * HOURS_PER[v.clickWindowUnit];
    const open = v.openWindow * HOURS_PER[v.openWindowUnit];
    const { min, max } = LIMITS.windowHours;
    for (const [field, hours, label] of [["clickWindow", click, "The click window"], ["openWindow", open, "The open window"]] as const) {
      if (hours < min || hours > max) ctx.addIssue({ code: "custom", path: [field], message: `${label} must be between 1 hour and 30 days` });
    }
    return { attributionRule: v.attributionRule, clickWindowHours: click, openWindowHours: open, excludeMachineOpens: v.excludeMachineOpens === "true" };
  });

// --- Parsing ---------------------------------------------------------------------------------------------

/** Field name (as in the form) -> the first problem with it. */
export type FieldErrors = Record<string, string>;

export type SettingsFormResult =
  | { ok: true; update: SettingsUpdate }
  | { ok: false; section: SettingsSection | null; message: string; errors: FieldErrors };

const FORM_FIELDS = {
  sender: ["senderName", "senderEmail", "replyToEmail", "logoUrl", "brandColor", "postalAddress"],
  sending: ["smartSendingHours", "quietHoursStart", "quietHoursEnd", "timezone", "holdoutPercent"],
  attribution: ["attributionRule", "clickWindow", "clickWindowUnit", "openWindow", "openWindowUnit", "excludeMachineOpens"],
} as const satisfies { [S in SettingsSection]: readonly (keyof SettingsFormValues[S])[] };

type Validated = { ok: true; update: SettingsUpdate } | { ok: false; issues: z.core.$ZodIssue[] };

function validate(section: SettingsSection, raw: Record<string, string>, timezones: ReadonlySet<string>): Validated {
  switch (section) {
    case "sender": {
      const p = senderSchema.safeParse(raw);
      return p.success ? { ok: true, update: { section, values: p.data } } : { ok: false, issues: p.error.issues };
    }
    case "sending": {
      const p = sendingSchema(timezones).safeParse(raw);
      return p.success ? { ok: true, update: { section, values: p.data } } : { ok: false, issues: p.error.issues };
    }
    case "attribution": {
      const p = attributionSchema.safeParse(raw);
      return p.success ? { ok: true, update: { section, values: p.data } } : { ok: false, issues: p.error.issues };
    }
  }
}

/**
 * One section's form (its `intent` names the section) as values to store, or the errors to show beside the
 * fields. Every field of the section must be present exactly once; anything else in the form is ignored.
 */
export function parseSettingsForm(form: URLSearchParams, options: { timezones: ReadonlySet<string> }): SettingsFormResult {
  const intents = form.getAll("intent");
  const section = SETTINGS_SECTIONS.find((s) => intents.length === 1 && intents[0] === s);
  if (!section) return { ok: false, section: null, message: "Unknown settings section", errors: {} };

  const errors: FieldErrors = {};
  const raw: Record<string, string> = {};
  for (const field of FORM_FIELDS[section]) {
    const values = form.getAll(field);
    if (values.length === 1) raw[field] = values[0];
    else errors[field] = values.length === 0 ? "Required" : "Sent more than once";
  }
  if (Object.keys(errors).length > 0) return { ok: false, section, message: "Some fields are missing", errors };

  const result = validate(section, raw, options.timezones);
  if (result.ok) return result;
  for (const issue of result.issues) errors[String(issue.path[0] ?? "form")] ??= issue.message;
  return { ok: false, section, message: "Please fix the highlighted fields", errors };
}
