/**
 * Whether an open-pixel fetch was a machine rather than a person reading the email. Only what the request shows
 * can be judged (we see no IP ranges here), so these are heuristics, each catching one known source:
 * - Apple Mail Privacy Protection prefetches every image of every email through Apple's proxy, whether or not the
 *   person opens it, with the bare user agent "Mozilla/5.0" (real Apple Mail sends a full WebKit user agent);
 * - mail security gateways and link checkers (Barracuda, Mimecast, Proofpoint, ...), chat link previews and HTTP
 *   libraries announce themselves in the user agent; a fetch with no user agent at all is never a mail client;
 * - a fetch within a few seconds of sending is a scanner on the receiving side: no person opens email that fast.
 * Proxies that fetch when the person opens the email (Gmail's GoogleImageProxy, YahooMailProxy) are human opens.
 */

export type MachineOpenReason = "no_user_agent" | "apple_privacy_proxy" | "automated_client" | "too_soon";

/** Opens this soon after sending (or "before" it, by another machine's clock) are scanners. */
export const MACHINE_OPEN_WINDOW_MS = 5_000;

const APPLE_PRIVACY_PROXY_AGENT = "Mozilla/5.0";

const AUTOMATED_AGENTS = new RegExp(
  [
    // Mail security gateways and link scanners.
    "barracuda", "mimecast", "proofpoint", "ppops-", "messagelabs", "symantec", "trend ?micro", "sophos", "fireeye",
    "ironport", "forcepoint", "zscaler", "bitdefender", "avanan", "spamtitan", "mailscanner",
    // Link previews in chat and social apps.
    "slackbot", "facebookexternalhit", "twitterbot", "linkedinbot", "whatsapp", "telegrambot", "discordbot",
    "skypeuripreview",
    // HTTP libraries and headless browsers.
    "curl/", "wget", "python-requests", "python-urllib", "go-http-client", "java/", "okhttp", "libwww-perl",
    "node-fetch", "axios/", "undici", "headlesschrome", "phantomjs",
    // Self-declared robots.
    "\\bbot\\b", "crawler", "spider", "link ?checker",
  ].join("|"),
  "i",
);

/** Why this open looks automated, or null when it looks like a person. */
export function machineOpenReason(input: { userAgent: string | null | undefined; openedAt: Date; sentAt: Date | null }): MachineOpenReason | null {
  const agent = input.userAgent?.trim() ?? "";
  if (!agent) return "no_user_agent";
  if (agent === APPLE_PRIVACY_PROXY_AGENT) return "apple_privacy_proxy";
  if (AUTOMATED_AGENTS.test(agent)) return "automated_client";
  if (input.sentAt && input.openedAt.getTime() - input.sentAt.getTime() < MACHINE_OPEN_WINDOW_MS) return "too_soon";
  return null;
}

/** True when the open was most likely not a person reading the email (see machineOpenReason). */
export function isMachineOpen(input: { userAgent: string | null | undefined; openedAt: Date; sentAt: Date | null }): boolean {
  return machineOpenReason(input) !== null;
}
