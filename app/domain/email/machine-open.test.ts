import { describe, expect, it } from "vitest";
import { MACHINE_OPEN_WINDOW_MS, isMachineOpen, machineOpenReason } from "./machine-open";

const sentAt = new Date("2026-03-01T10:00:00Z");
const later = new Date("2026-03-01T11:30:00Z");
const IPHONE_MAIL = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148";
const GMAIL_PROXY = "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)";
const OUTLOOK = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0 Safari/537.36 Edg/122.0";

describe("machine opens", () => {
  it("people reading in Apple Mail, Gmail (through its proxy), Outlook and Android phones are human", () => {
    for (const userAgent of [IPHONE_MAIL, GMAIL_PROXY, OUTLOOK, "Mozilla/5.0 (Linux; Android 13; CUBOT KingKong) AppleWebKit/537.36"]) {
      expect(machineOpenReason({ userAgent, openedAt: later, sentAt })).toBeNull();
    }
    expect(isMachineOpen({ userAgent: IPHONE_MAIL, openedAt: later, sentAt: null })).toBe(false);
  });

  it("flags Apple Mail Privacy Protection's prefetch: the bare Mozilla/5.0 agent", () => {
    expect(machineOpenReason({ userAgent: "Mozilla/5.0", openedAt: later, sentAt })).toBe("apple_privacy_proxy");
    expect(machineOpenReason({ userAgent: " Mozilla/5.0 ", openedAt: later, sentAt })).toBe("apple_privacy_proxy");
  });

  it.each([
    "Barracuda Sentinel (EE)",
    "Mozilla/5.0 (compatible; Mimecast Secure Email Gateway)",
    "Proofpoint URL Defense",
    "curl/8.5.0",
    "python-requests/2.31.0",
    "Go-http-client/1.1",
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  ])("flags scanners, link checkers and libraries: %s", (userAgent) => {
    expect(machineOpenReason({ userAgent, openedAt: later, sentAt })).toBe("automated_client");
  });

  it("flags a fetch without a user agent", () => {
    expect(machineOpenReason({ userAgent: null, openedAt: later, sentAt })).toBe("no_user_agent");
    expect(machineOpenReason({ userAgent: "  ", openedAt: later, sentAt })).toBe("no_user_agent");
  });

  it("flags opens within a few seconds of sending, by any agent", () => {
    const at = (ms: number) => new Date(sentAt.getTime() + ms);
    expect(machineOpenReason({ userAgent: IPHONE_MAIL, openedAt: at(MACHINE_OPEN_WINDOW_MS - 1), sentAt })).toBe("too_soon");
    expect(machineOpenReason({ userAgent: IPHONE_MAIL, openedAt: at(-2_000), sentAt })).toBe("too_soon");
    expect(machineOpenReason({ userAgent: IPHONE_MAIL, openedAt: at(MACHINE_OPEN_WINDOW_MS), sentAt })).toBeNull();
  });
});
