import { describe, expect, it } from "vitest";
import {
  describeHours,
  describeQuietHours,
  needsAttributionRecompute,
  parseClock,
  parseSettingsForm,
  settingsFormValues,
  timezoneChoices,
  windowForForm,
  type AllSettings,
  type SettingsFormResult,
  type SettingsSection,
} from "./settings";

const DEFAULTS: AllSettings = {
  senderName: null,
  senderEmail: null,
  replyToEmail: null,
  logoUrl: null,
  brandColor: "#1a1a1a",
  postalAddress: null,
  smartSendingHours: 16,
  quietHoursStartMin: 21 * 60,
  quietHoursEndMin: 8 * 60,
  timezone: "UTC",
  holdoutPercent: 0,
  attributionRule: "click_then_open",
  clickWindowHours: 120,
  openWindowHours: 120,
  excludeMachineOpens: true,
};

const TIMEZONES = timezoneChoices();

function parse(section: SettingsSection, changes: Record<string, string> = {}, timezones = TIMEZONES): SettingsFormResult {
  const form = new URLSearchParams({ intent: section, ...settingsFormValues(DEFAULTS)[section], ...changes });
  return parseSettingsForm(form, { timezones });
}

function errorsOf(result: SettingsFormResult) {
  if (result.ok) throw new Error(`expected errors, got ${JSON.stringify(result.update)}`);
  return result.errors;
}

function valuesOf(result: SettingsFormResult) {
  if (!result.ok) throw new Error(`expected values, got ${JSON.stringify(result.errors)}`);
  return result.update.values;
}

describe("settings form values", () => {
  it("round-trip: the form filled from stored settings parses back to the same values", () => {
    const stored: AllSettings = {
      ...DEFAULTS,
      senderName: "Northwind",
      senderEmail: "hello@northwind.example",
      replyToEmail: "care@northwind.example",
      logoUrl: "https://cdn.example.com/logo.png",
      brandColor: "#0a7f5c",
      postalAddress: "1 Harbour Street\nPortland, OR 97201",
      timezone: "Europe/Berlin",
      clickWindowHours: 36,
      openWindowHours: 72,
      quietHoursStartMin: 0,
      quietHoursEndMin: 0,
      attributionRule: "click_only",
      excludeMachineOpens: false,
    };
    const form = settingsFormValues(stored);
    for (const section of ["sender", "sending", "attribution"] as const) {
      const result = parseSettingsForm(new URLSearchParams({ intent: section, ...form[section] }), { timezones: TIMEZONES });
      const values: Record<string, unknown> = valuesOf(result);
      for (const [key, value] of Object.entries(values)) expect([key, value]).toEqual([key, stored[key as keyof AllSettings]]);
    }
  });

  it("shows windows in days when whole and quiet hours as a clock", () => {
    expect(windowForForm(120)).toEqual({ amount: "5", unit: "days" });
    expect(windowForForm(36)).toEqual({ amount: "36", unit: "hours" });
    expect(describeHours(24)).toBe("1 day");
    expect(describeHours(1)).toBe("1 hour");
    expect(describeHours(120)).toBe("5 days");
    expect(describeQuietHours(21 * 60, 8 * 60)).toBe("21:00–08:00 shop time");
    expect(describeQuietHours(300, 300)).toBe("No quiet hours");
    expect(settingsFormValues(DEFAULTS).sending).toMatchObject({ quietHoursStart: "21:00", quietHoursEnd: "08:00" });
  });

  it("reads HH:MM clocks and nothing else", () => {
    expect(parseClock("00:00")).toBe(0);
    expect(parseClock("23:59")).toBe(1439);
    for (const bad of ["24:00", "25:00", "9:00", "12:60", "12:5", "noon", "", "12:00:00", "-1:00"]) expect(parseClock(bad)).toBeNull();
  });
});

describe("sender and brand", () => {
  it("trims, turns empty fields into 'not set', lower-cases the colour and tidies the address", () => {
    const values = valuesOf(
      parse("sender", {
        senderName: "  Northwind Outfitters ",
        senderEmail: " hello@northwind.example ",
        replyToEmail: "",
        logoUrl: "",
        brandColor: "#0A7F5C",
        postalAddress: "  1 Harbour Street \r\n\r\n Portland, OR 97201\t\n",
      }),
    );
    expect(values).toEqual({
      senderName: "Northwind Outfitters",
      senderEmail: "hello@northwind.example",
      replyToEmail: null,
      logoUrl: null,
      brandColor: "#0a7f5c",
      postalAddress: "1 Harbour Street\nPortland, OR 97201",
    });
    expect(valuesOf(parse("sender", { postalAddress: " \n \n" }))).toMatchObject({ postalAddress: null });
  });

  it.each([
    ["senderEmail", "not-an-address"],
    ["senderEmail", "a b@example.com"],
    ["senderEmail", "hello@"],
    ["replyToEmail", "reply@@example.com"],
    ["logoUrl", "http://cdn.example.com/logo.png"],
    ["logoUrl", "javascript:alert(1)"],
    ["logoUrl", "https://user:pw@cdn.example.com/logo.png"],
    ["logoUrl", "//cdn.example.com/logo.png"],
    ["logoUrl", `https://cdn.example.com/${"a".repeat(2100)}`],
    ["brandColor", "#zzz"],
    ["brandColor", "#zzzzzz"],
    ["brandColor", "#abc"],
    ["brandColor", "red"],
    ["brandColor", "#1a1a1a;}body{x"],
    ["senderName", "Evil\r\nBcc: everyone@example.com"],
    ["senderName", "x".repeat(101)],
    ["postalAddress", "a".repeat(501)],
    ["postalAddress", Array.from({ length: 9 }, (_, i) => `line ${i}`).join("\n")],
    ["postalAddress", "1 Harbour Street\u0000"],
  ])("refuses %s = %j with a message beside that field", (field, value) => {
    const errors = errorsOf(parse("sender", { [field]: value }));
    expect(Object.keys(errors)).toEqual([field]);
    expect(errors[field].length).toBeGreaterThan(5);
  });

  it("says what is wrong in words a merchant understands", () => {
    const errors = errorsOf(parse("sender", { senderEmail: "nope", logoUrl: "http://x.example/l.png", brandColor: "#zzz" }));
    expect(errors.senderEmail).toMatch(/valid email address/);
    expect(errors.logoUrl).toMatch(/https:\/\//);
    expect(errors.brandColor).toMatch(/#1a1a1a/);
  });
});

describe("sending", () => {
  it("stores quiet hours as minutes and accepts the edges of each range", () => {
    expect(
      valuesOf(parse("sending", { smartSendingHours: "0", quietHoursStart: "22:30", quietHoursEnd: "07:15", timezone: "Europe/Berlin", holdoutPercent: "50" })),
    ).toEqual({ smartSendingHours: 0, quietHoursStartMin: 22 * 60 + 30, quietHoursEndMin: 7 * 60 + 15, timezone: "Europe/Berlin", holdoutPercent: 50 });
    expect(valuesOf(parse("sending", { smartSendingHours: "720", timezone: "UTC" }))).toMatchObject({ smartSendingHours: 720, timezone: "UTC" });
  });

  it.each([
    ["smartSendingHours", "721"],
    ["smartSendingHours", "9999"],
    ["smartSendingHours", "-1"],
    ["smartSendingHours", "12.5"],
    ["smartSendingHours", ""],
    ["smartSendingHours", "1e3"],
    ["quietHoursStart", "25:00"],
    ["quietHoursEnd", "24:00"],
    ["quietHoursEnd", "8am"],
    ["timezone", "Mars/Olympus_Mons"],
    ["timezone", "europe/berlin"],
    ["timezone", ""],
    ["holdoutPercent", "51"],
    ["holdoutPercent", "100"],
    ["holdoutPercent", "ten"],
  ])("refuses %s = %j", (field, value) => {
    expect(Object.keys(errorsOf(parse("sending", { [field]: value })))).toEqual([field]);
  });

  it("keeps accepting the shop's current timezone even when Intl's list spells it differently", () => {
    const alias = "Asia/Kolkata";
    const choices = timezoneChoices(alias);
    expect(choices.has(alias)).toBe(true);
    expect(valuesOf(parse("sending", { timezone: alias }, choices))).toMatchObject({ timezone: alias });
    expect(timezoneChoices().has("UTC")).toBe(true);
    expect(timezoneChoices().has("Europe/Berlin")).toBe(true);
  });
});

describe("attribution", () => {
  it("converts days to hours and reads the checkbox's hidden value", () => {
    expect(
      valuesOf(parse("attribution", { attributionRule: "click_only", clickWindow: "30", clickWindowUnit: "days", openWindow: "1", openWindowUnit: "hours", excludeMachineOpens: "false" })),
    ).toEqual({ attributionRule: "click_only", clickWindowHours: 720, openWindowHours: 1, excludeMachineOpens: false });
  });

  it.each([
    ["clickWindow", { clickWindow: "0", clickWindowUnit: "hours" }],
    ["clickWindow", { clickWindow: "9999", clickWindowUnit: "hours" }],
    ["clickWindow", { clickWindow: "31", clickWindowUnit: "days" }],
    ["openWindow", { openWindow: "721", openWindowUnit: "hours" }],
    ["openWindow", { openWindow: "2.5" }],
    ["openWindowUnit", { openWindowUnit: "weeks" }],
    ["attributionRule", { attributionRule: "first_touch" }],
    ["excludeMachineOpens", { excludeMachineOpens: "on" }],
  ])("refuses a bad %s", (field, changes) => {
    expect(Object.keys(errorsOf(parse("attribution", changes)))).toEqual([field]);
  });

  it("tells which changes call for recomputing attributed revenue", () => {
    expect(needsAttributionRecompute(["clickWindowHours"])).toBe(true);
    expect(needsAttributionRecompute(["attributionRule"])).toBe(true);
    expect(needsAttributionRecompute(["brandColor", "timezone"])).toBe(false);
    expect(needsAttributionRecompute([])).toBe(false);
  });
});

describe("malformed forms", () => {
  it("refuses an unknown, missing or repeated intent", () => {
    for (const form of ["", "intent=colours", "intent=sender&intent=sending", "brandColor=%23000000"]) {
      const result = parseSettingsForm(new URLSearchParams(form), { timezones: TIMEZONES });
      expect(result).toMatchObject({ ok: false, section: null });
    }
  });

  it("needs every field of the section exactly once, and ignores other sections' fields", () => {
    const missing = parseSettingsForm(new URLSearchParams({ intent: "sending", timezone: "UTC" }), { timezones: TIMEZONES });
    expect(Object.keys(errorsOf(missing)).sort()).toEqual(["holdoutPercent", "quietHoursEnd", "quietHoursStart", "smartSendingHours"]);
    const form = new URLSearchParams({ intent: "sender", ...settingsFormValues(DEFAULTS).sender });
    form.append("brandColor", "#ffffff");
    expect(errorsOf(parseSettingsForm(form, { timezones: TIMEZONES }))).toEqual({ brandColor: "Sent more than once" });
    const extra = new URLSearchParams({ intent: "sender", ...settingsFormValues(DEFAULTS).sender, clickWindow: "0", shopId: "other" });
    expect(Object.keys(valuesOf(parseSettingsForm(extra, { timezones: TIMEZONES })))).not.toContain("shopId");
  });
});
