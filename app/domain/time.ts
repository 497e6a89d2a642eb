// Building an Intl.DateTimeFormat costs far more than using one; shops have few timezones.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

function dayFormat(timezone: string): Intl.DateTimeFormat {
  let format = dayFormats.get(timezone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone: timezone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timezone, format);
  }
  return format;
}

/** The calendar day (YYYY-MM-DD) an instant falls on in an IANA timezone: rollups count per shop-local day. */
export function dayInTimezone(at: Date, timezone: string): string {
  const parts = dayFormat(timezone).formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** True when Intl knows the timezone name. */
export function isValidTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/** The last `days` shop-local days ending with `now`'s day, oldest first. */
export function recentDays(now: Date, timezone: string, days: number): string[] {
  const result: string[] = [];
  for (let i = days - 1; i >= 0; i--) {
    result.push(dayInTimezone(new Date(now.getTime() - i * 86_400_000), timezone));
  }
  // Around DST changes two instants 24 h apart can share a local day; keep each day once.
  return [...new Set(result)];
}
