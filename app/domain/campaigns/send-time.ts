/** When a campaign email goes to one recipient: now, at the chosen instant, or at a local time in their timezone. */
import type { CampaignSchedule } from "./definition";
import { parseLocalDate, parseTimeOfDay, zonedInstant } from "../flows/zoned-time";

/**
 * The recipient's timezone: a valid IANA name in the profile's `timezone` property (set by imports or the
 * storefront), else the shop's. Profiles have no timezone column, so this is the one place that decides.
 */
export function recipientTimezone(properties: unknown, shopTimezone: string, isKnown: (tz: string) => boolean): string {
  if (properties && typeof properties === "object" && !Array.isArray(properties)) {
    const tz = (properties as Record<string, unknown>).timezone;
    if (typeof tz === "string" && tz.length <= 64 && isKnown(tz)) return tz;
  }
  return shopTimezone;
}

/** True for names Intl can format in (cheap enough per recipient: Intl caches the zone data). */
export function isKnownTimezone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant to send to a recipient. `launchedAt` is when the campaign started sending; a local time that had
 * already passed in the recipient's timezone by then goes out at launch rather than a day late or never.
 */
export function recipientSendAt(schedule: CampaignSchedule, launchedAt: Date, timezone: string): Date {
  switch (schedule.kind) {
    case "now":
      return launchedAt;
    case "at":
      return new Date(Math.max(Date.parse(schedule.at), launchedAt.getTime()));
    case "local_time": {
      const at = zonedInstant(parseLocalDate(schedule.date)!, parseTimeOfDay(schedule.time), timezone);
      return at.getTime() < launchedAt.getTime() ? launchedAt : at;
    }
  }
}

/**
 * When the worker should launch the campaign (materialise recipients): for a local-time send, when the first
 * timezone on Earth (UTC+14) reaches the time, so every recipient's row exists before its own send instant.
 */
export function launchAt(schedule: CampaignSchedule, scheduledAt: Date): Date {
  switch (schedule.kind) {
    case "now":
      return scheduledAt;
    case "at":
      return new Date(Date.parse(schedule.at));
    case "local_time":
      return zonedInstant(parseLocalDate(schedule.date)!, parseTimeOfDay(schedule.time), "Etc/GMT-14");
  }
}
