// A local server speaking Resend's sending API: POST /emails and POST /emails/batch (strict validation, at most 100
// emails), bearer-key auth, Resend's error shape ({ statusCode, name, message }), rate-limit headers, and
// idempotency keys as Resend keeps them: the same key and body replay the first answer without sending again, the
// same key with another body is a 409, and a key whose first request is still running is a 409 too.
// Faults are scripted per request (429s, 500 storms, slow answers that outlast a client's timeout, dropped
// connections after the send). Everything "sent" is recorded in `delivered`.
import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type DeliveredEmail = {
  id: string;
  /** The request's Idempotency-Key, if any. */
  requestKey: string | null;
  path: "/emails" | "/emails/batch";
  from: string;
  to: string[];
  subject: string;
  html: string | null;
  text: string | null;
  replyTo: string[];
  headers: Record<string, string>;
  tags: Array<{ name: string; value: string }>;
  at: number;
};

export type RequestRecord = {
  at: number;
  path: string;
  requestKey: string | null;
  status: number | "dropped";
  emails: number;
  replayed: boolean;
};

export type Fault =
  /** Answers this status without sending anything (a 429 carries rate-limit headers). */
  | { kind: "status"; status: number; name?: string; message?: string; retryAfterSeconds?: number }
  /** Sends, then answers only after delayMs: the key is "in progress" until then. */
  | { kind: "slow"; delayMs: number }
  /** Sends, then closes the connection without an answer. */
  | { kind: "drop" };

type Stored = { fingerprint: string; state: "running" | "done"; status: number; body: unknown };

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+\.[^\s@<>",;]+$/;
const TAG = /^[A-Za-z0-9_-]{1,256}$/;

function addressOf(value: string): string {
  const named = value.match(/<([^<>]*)>\s*$/);
  return (named ? named[1] : value).trim();
}

function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

const errorBody = (statusCode: number, name: string, message: string) => ({ statusCode, name, message });

/** Resend's per-email checks, enough of them to be refused the way Resend refuses. Null when valid. */
function invalidReason(email: unknown, rejected: Map<string, string>): string | null {
  if (typeof email !== "object" || email === null || Array.isArray(email)) return "The email must be an object.";
  const e = email as Record<string, unknown>;
  if (typeof e.from !== "string" || !e.from) return "Missing `from` field.";
  if (!ADDRESS.test(addressOf(e.from))) return "Invalid `from` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";
  const to = typeof e.to === "string" ? [e.to] : e.to;
  if (!Array.isArray(to) || to.length === 0) return "Missing `to` field.";
  if (to.length > 50) return "Too many recipients in `to`: the maximum is 50.";
  for (const address of to) {
    if (typeof address !== "string" || !ADDRESS.test(addressOf(address))) {
      return "Invalid `to` field. The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";
    }
    const refusal = rejected.get(addressOf(address).toLowerCase());
    if (refusal) return refusal;
  }
  if (typeof e.subject !== "string" || !e.subject) return "Missing `subject` field.";
  if (typeof e.html !== "string" && typeof e.text !== "string") return "Missing `html` or `text` field.";
  if (e.headers !== undefined && (typeof e.headers !== "object" || e.headers === null || Object.values(e.headers).some((v) => typeof v !== "string"))) {
    return "Invalid `headers` field: values must be strings.";
  }
  if (e.tags !== undefined) {
    if (!Array.isArray(e.tags)) return "Invalid `tags` field.";
    for (const tag of e.tags as Array<Record<string, unknown>>) {
      if (typeof tag?.name !== "string" || !TAG.test(tag.name) || typeof tag.value !== "string" || !TAG.test(tag.value)) {
        return "Invalid `tags` field: names and values may only contain ASCII letters, numbers, underscores, or dashes.";
      }
    }
  }
  return null;
}

function toDelivered(email: Record<string, unknown>, path: DeliveredEmail["path"], requestKey: string | null): DeliveredEmail {
  const list = (v: unknown) => (typeof v === "string" ? [v] : Array.isArray(v) ? v.map(String) : []);
  return {
    id: randomUUID(),
    requestKey,
    path,
    from: String(email.from),
    to: list(email.to),
    subject: String(email.subject),
    html: typeof email.html === "string" ? email.html : null,
    text: typeof email.text === "string" ? email.text : null,
    replyTo: list(email.reply_to),
    headers: (email.headers as Record<string, string> | undefined) ?? {},
    tags: (email.tags as DeliveredEmail["tags"] | undefined) ?? [],
    at: Date.now(),
  };
}

export async function startFakeResend(options: { apiKey?: string; rateLimit?: number } = {}) {
  const apiKey = options.apiKey ?? "re_test_key";
  const limit = options.rateLimit ?? 2;
  const delivered: DeliveredEmail[] = [];
  const requests: RequestRecord[] = [];
  const faults: Fault[] = [];
  // A stretch of time in which every request gets the same fault (an outage), after the scripted ones.
  let outage: { until: number; fault: Fault } | null = null;
  const rejected = new Map<string, string>();
  const keys = new Map<string, Stored>();
  const pending = new Set<Promise<void>>();
  const rateHeaders = { "ratelimit-limit": String(limit), "ratelimit-remaining": String(Math.max(0, limit - 1)), "ratelimit-reset": "1" };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = (req.url ?? "").split("?")[0];
    const requestKey = req.headers["idempotency-key"]?.toString() ?? null;
    const record = (status: RequestRecord["status"], emails = 0, replayed = false) =>
      requests.push({ at: Date.now(), path, requestKey, status, emails, replayed });
    const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      record(status, 0);
      json(res, status, body, { ...rateHeaders, ...headers });
    };

    if (req.method !== "POST" || (path !== "/emails" && path !== "/emails/batch")) {
      return answer(404, errorBody(404, "not_found", "The requested endpoint does not exist."));
    }
    const auth = req.headers.authorization;
    if (!auth) return answer(401, errorBody(401, "missing_api_key", "Missing API key in the authorization header."));
    if (auth !== `Bearer ${apiKey}`) return answer(403, errorBody(403, "invalid_api_key", "API key is invalid."));
    if (requestKey !== null && (requestKey.length < 1 || requestKey.length > 256)) {
      return answer(400, errorBody(400, "invalid_idempotency_key", "The key must be between 1-256 chars."));
    }

    const fingerprint = createHash("sha256").update(`${path}\n${raw}`).digest("hex");
    const stored = requestKey ? keys.get(requestKey) : undefined;
    if (stored && stored.fingerprint !== fingerprint) {
      return answer(409, errorBody(409, "invalid_idempotent_request", "Same idempotency key used with a different request payload."));
    }
    if (stored?.state === "running") {
      return answer(409, errorBody(409, "concurrent_idempotent_requests", "Same idempotency key used while original request is still in progress."));
    }
    if (stored) {
      record(stored.status, 0, true);
      return json(res, stored.status, stored.body, rateHeaders);
    }

    const fault = faults.shift() ?? (outage && Date.now() < outage.until ? outage.fault : undefined);
    if (fault?.kind === "status") {
      const name = fault.name ?? (fault.status === 429 ? "rate_limit_exceeded" : "internal_server_error");
      const message = fault.message ?? (fault.status === 429 ? "Too many requests. You can only make 2 requests per second." : "An unexpected error occurred.");
      const retry = String(fault.retryAfterSeconds ?? 1);
      const headers: Record<string, string> = fault.status === 429 ? { "retry-after": retry, "ratelimit-remaining": "0", "ratelimit-reset": retry } : {};
      return answer(fault.status, errorBody(fault.status, name, message), headers);
    }

    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return answer(400, errorBody(400, "validation_error", "Invalid JSON body."));
    }
    const emails = path === "/emails" ? [body] : body;
    let status = 200;
    let response: unknown;
    if (path === "/emails/batch" && req.headers["x-batch-validation"] === "permissive") {
      [status, response] = [400, errorBody(400, "validation_error", "This fake implements strict batch validation only.")];
    } else if (!Array.isArray(emails) || emails.length === 0) {
      [status, response] = [422, errorBody(422, "validation_error", "The batch must be a non-empty array of emails.")];
    } else if (emails.length > 100) {
      [status, response] = [422, errorBody(422, "validation_error", "Too many emails in the batch: the maximum is 100.")];
    } else {
      const problems = emails.map((e) => invalidReason(e, rejected));
      const first = problems.findIndex((p) => p !== null);
      if (first >= 0) {
        const message = path === "/emails" ? problems[first]! : `emails[${first}]: ${problems[first]}`;
        [status, response] = [422, errorBody(422, "validation_error", message)];
      } else {
        const sent = emails.map((e) => toDelivered(e as Record<string, unknown>, path, requestKey));
        delivered.push(...sent);
        response = path === "/emails" ? { id: sent[0].id } : { data: sent.map((s) => ({ id: s.id })) };
      }
    }
    const count = status === 200 && Array.isArray(emails) ? emails.length : 0;
    if (requestKey) keys.set(requestKey, { fingerprint, state: fault ? "running" : "done", status, body: response });

    if (fault?.kind === "drop") {
      const entry = requestKey ? keys.get(requestKey) : undefined;
      if (entry) entry.state = "done";
      record("dropped", count);
      res.socket?.destroy();
      return;
    }
    if (fault?.kind === "slow") {
      const late = new Promise<void>((resolve) => setTimeout(resolve, fault.delayMs)).then(() => {
        const entry = requestKey ? keys.get(requestKey) : undefined;
        if (entry) entry.state = "done";
        record(status, count);
        if (!res.destroyed) json(res, status, response, rateHeaders);
      });
      pending.add(late);
      await late;
      pending.delete(late);
      return;
    }
    record(status, count);
    json(res, status, response, rateHeaders);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) json(res, 500, errorBody(500, "internal_server_error", String(error)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    delivered,
    requests,
    /** Faults for the next requests, one each, in order. */
    script(...next: Fault[]) {
      faults.push(...next);
    },
    rateLimited(times: number, retryAfterSeconds = 1) {
      for (let i = 0; i < times; i++) faults.push({ kind: "status", status: 429, retryAfterSeconds });
    },
    serverErrors(times: number, status = 500) {
      for (let i = 0; i < times; i++) faults.push({ kind: "status", status });
    },
    /** Answers every request with `status` for the next `ms` milliseconds (429s carry rate-limit headers). */
    outageFor(ms: number, status: number) {
      outage = { until: Date.now() + ms, fault: { kind: "status", status, retryAfterSeconds: 1 } };
    },
    /** Refuses every email to this address with a 422 and `message`. */
    reject(address: string, message: string) {
      rejected.set(address.toLowerCase(), message);
    },
    /** Resolves once every slow answer has been written. */
    async settle() {
      await Promise.all([...pending]);
    },
    reset() {
      delivered.length = 0;
      requests.length = 0;
      faults.length = 0;
      outage = null;
      rejected.clear();
      keys.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type FakeResend = Awaited<ReturnType<typeof startFakeResend>>;
