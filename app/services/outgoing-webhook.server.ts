/**
 * Merchant webhooks from flows: a signed JSON POST that can only reach public addresses. The host is resolved
 * first (every address must be public), then the socket connects to exactly that address while the URL's host
 * name stays in the Host header and TLS servername (no second, rebindable lookup). Redirects are followed by
 * hand, each hop checked the same way (at most 3). Failures are values: refused, retryable or permanent.
 */
import { createHmac } from "node:crypto";
import { lookup as dnsLookup } from "node:dns/promises";
import http from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { nonPublicReason } from "../domain/net/private-address";

export type ResolvedAddress = { address: string; family: number };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * Only for tests, and only by passing it in code (no environment variable reads it; refused when NODE_ENV is
 * production): these exact addresses count as public, and https URLs are spoken as plain HTTP to `plaintextPort`.
 */
export type WebhookTestOverrides = { allowAddresses: string[]; plaintextPort?: number };

export type WebhookOptions = {
  resolve?: Resolver;
  timeoutMs?: number;
  maxRedirects?: number;
  testOverrides?: WebhookTestOverrides;
};

export type WebhookRequest = {
  url: string;
  /** Sent exactly as given; the signature covers these bytes. */
  body: string;
  secret: string;
  idempotencyKey: string;
};

export type WebhookResult =
  | { ok: true; status: number; url: string; hops: number }
  /** Never sent (or a redirect not followed): an address or URL the policy forbids. Do not retry. */
  | { ok: false; refused: true; reason: string; url: string }
  | { ok: false; refused: false; retryable: boolean; error: string; status: number | null };

export const WEBHOOK_TIMEOUT_MS = 5_000;
export const WEBHOOK_MAX_REDIRECTS = 3;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** The shop's webhook signing secret: HMAC(SESSION_SECRET, shopId), so nothing new has to be stored. */
export function webhookSecretFor(sessionSecret: string, shopId: string): string {
  return createHmac("sha256", sessionSecret).update(`flow-webhook:${shopId}`).digest("hex");
}

/** `sha256=<hex HMAC-SHA256 of the raw body>`, the X-Signature header's value. */
export function signWebhookBody(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

const defaultResolve: Resolver = async (hostname) => dnsLookup(hostname, { all: true, verbatim: true });

type Target = { url: URL; address: ResolvedAddress } | { refused: string };

/** Checks a URL against the policy and resolves it to one address it may connect to. */
export async function resolveTarget(rawUrl: string | URL, options: WebhookOptions = {}): Promise<Target> {
  const overrides = checkedOverrides(options.testOverrides);
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { refused: "invalid_url" };
  }
  if (url.protocol !== "https:") return { refused: "not_https" };
  if (url.username || url.password) return { refused: "credentials_in_url" };
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const allowed = (address: string) => overrides?.allowAddresses.includes(address) === true;
  let addresses: ResolvedAddress[];
  if (isIP(host)) {
    addresses = [{ address: host, family: isIP(host) }];
  } else {
    try {
      addresses = await (options.resolve ?? defaultResolve)(host);
    } catch (error) {
      return { refused: `dns_failed: ${(error as Error).message}` };
    }
    if (addresses.length === 0) return { refused: "dns_failed: no addresses" };
  }
  for (const { address } of addresses) {
    const reason = nonPublicReason(address);
    if (reason && !allowed(address)) return { refused: `${reason}_address ${address}` };
  }
  return { url, address: addresses[0] };
}

/** POSTs the body, signed, to the URL (and its redirects); never to a non-public address. */
export async function postWebhook(request: WebhookRequest, options: WebhookOptions = {}): Promise<WebhookResult> {
  const overrides = checkedOverrides(options.testOverrides);
  const deadline = Date.now() + (options.timeoutMs ?? WEBHOOK_TIMEOUT_MS);
  const maxRedirects = options.maxRedirects ?? WEBHOOK_MAX_REDIRECTS;
  const headers = {
    "Content-Type": "application/json",
    "User-Agent": "flows-webhook/1",
    "X-Signature": signWebhookBody(request.secret, request.body),
    "Idempotency-Key": request.idempotencyKey,
  };
  let current = request.url;
  for (let hop = 0; ; hop++) {
    const target = await resolveTarget(current, options);
    if ("refused" in target) return { ok: false, refused: true, reason: target.refused, url: current };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { ok: false, refused: false, retryable: true, error: "timeout", status: null };
    let response: { status: number; location: string | null };
    try {
      response = await send(target.url, target.address, headers, request.body, remaining, overrides?.plaintextPort);
    } catch (error) {
      return { ok: false, refused: false, retryable: true, error: (error as Error).message, status: null };
    }
    const { status, location } = response;
    if (REDIRECTS.has(status) && location) {
      if (hop >= maxRedirects) return { ok: false, refused: false, retryable: false, error: "too_many_redirects", status };
      current = new URL(location, target.url).toString();
      continue;
    }
    if (status >= 200 && status < 300) return { ok: true, status, url: current, hops: hop };
    const retryable = status === 408 || status === 429 || status >= 500;
    return { ok: false, refused: false, retryable, error: `HTTP ${status}`, status };
  }
}

function checkedOverrides(overrides: WebhookTestOverrides | undefined): WebhookTestOverrides | undefined {
  if (overrides && process.env.NODE_ENV === "production") throw new Error("webhook test overrides are not allowed in production");
  return overrides;
}

/** One request to exactly `address`; the URL's host name is kept for Host and SNI/certificate checks. */
function send(
  url: URL,
  address: ResolvedAddress,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
  plaintextPort: number | undefined,
): Promise<{ status: number; location: string | null }> {
  // The socket may only go where resolveTarget looked: node's connect calls this instead of DNS.
  const pinned: LookupFunction = (_hostname, opts, callback) => {
    if ((opts as { all?: boolean }).all) (callback as (e: null, a: ResolvedAddress[]) => void)(null, [address]);
    else callback(null, address.address, address.family);
  };
  const plaintext = plaintextPort !== undefined;
  const host = url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
  const transport = plaintext ? http : https;
  return new Promise((resolve, reject) => {
    const req = transport.request(
      {
        protocol: plaintext ? "http:" : "https:",
        hostname: host,
        port: plaintext ? plaintextPort : url.port || 443,
        path: `${url.pathname}${url.search}`,
        method: "POST",
        lookup: pinned,
        // SNI and certificate checks use the URL's name (no SNI for an IP literal, as TLS requires).
        ...(plaintext || isIP(host) ? {} : { servername: host }),
        headers: { ...headers, Host: url.host, "Content-Length": String(Buffer.byteLength(body)) },
        agent: false,
        signal: AbortSignal.timeout(timeoutMs),
      },
      (res) => {
        res.resume(); // the body is not needed
        res.on("end", () => resolve({ status: res.statusCode ?? 0, location: typeof res.headers.location === "string" ? res.headers.location : null }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}
