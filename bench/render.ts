import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import { defaultEmailContent } from "../app/domain/email/defaults";
import { emailLiquid } from "../app/domain/email/liquid";
import { decorateDestination } from "../app/domain/email/links";
import { compileEmail, renderEmail, type Brand } from "../app/domain/email/render";
import { emailTracker, listUnsubscribeHeaders, unsubscribeUrl } from "../app/domain/email/tracking-token";
import { buildTemplateVariables, type TemplateVariables } from "../app/domain/email/variables";
import { signProfileToken } from "../app/domain/profile-token";
import { createResendMailer } from "../app/services/mailer/resend.server";
import type { OutgoingEmail } from "../app/services/mailer/types";
import { percentile, printTable, type Row } from "./lib";

/**
 * npm run bench:render — renders 50,000 personalised abandoned-checkout emails and hands them in batches of 100
 * through the real Resend mailer to a local server that speaks Resend's batch API (a child process, so its JSON
 * parsing does not share our core). Per email it does what delivery does (app/models/email-render.server.ts),
 * minus the database: variables from the stored Started Checkout event, signed unsubscribe link, profile token,
 * click and open tokens (tracking-token.ts), UTM decoration, Liquid on the precompiled MJML, plain text, headers.
 * The ceiling, from the same run: bare Liquid rendering of the same compiled HTML for the same recipients, with
 * their variables built beforehand (no MJML, no links, no text, no signing, no send).
 */
const EMAILS = Number(process.env.BENCH_EMAILS ?? 50_000);
const BATCH = 100;
const IN_FLIGHT = 4;
/** Emails rendered between two looks at the sockets, so request bodies keep flowing while we render. */
const YIELD_EVERY = 20;
const SECRET = "bench-secret-bench-secret-bench-secret";
const API_KEY = "re_bench_key";
const APP_URL = "https://app.shop-flows.test";
const SHOP_ID = "shop_bench";
const BRAND: Brand = {
  shopName: "Northwind Outfitters",
  logoUrl: "https://cdn.shopify.com/s/files/1/0000/0001/files/northwind-logo.png",
  brandColor: "#1f6f5c",
  postalAddress: "12 Harbour Street\nPortland, ME 04101",
  shopUrl: "https://northwind-outfitters.myshopify.com",
};

// ---------------------------------------------------------------------------------------------------------------
// The Resend-speaking server (this same file, started with --resend-server): POST /emails/batch, bearer key,
// at most 100 strictly shaped emails, ids back, generous rate-limit headers. It counts what it accepted and checks
// every email carries tracked links, the open pixel, a plain-text part and the one-click unsubscribe headers.

function runResendServer() {
  const stats = { batches: 0, emails: 0, bytes: 0, tracked: 0, withPixel: 0, withText: 0, withUnsubscribe: 0, rejected: 0 };
  let nextId = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { "content-type": "application/json", "ratelimit-limit": "1000", "ratelimit-remaining": "999", "ratelimit-reset": "1" });
        res.end(JSON.stringify(body));
      };
      if (req.method === "GET" && req.url === "/stats") return reply(200, stats);
      if (req.method !== "POST" || req.url !== "/emails/batch") return reply(404, { statusCode: 404, name: "not_found", message: "Not found" });
      if (req.headers.authorization !== `Bearer ${API_KEY}`) return reply(401, { statusCode: 401, name: "invalid_api_key", message: "API key is invalid." });
      const body = Buffer.concat(chunks);
      let emails: unknown;
      try {
        emails = JSON.parse(body.toString("utf8"));
      } catch {
        return reply(400, { statusCode: 400, name: "validation_error", message: "Invalid JSON body." });
      }
      const valid =
        Array.isArray(emails) &&
        emails.length > 0 &&
        emails.length <= 100 &&
        req.headers["idempotency-key"] !== undefined &&
        emails.every((e) => typeof e?.from === "string" && Array.isArray(e.to) && typeof e.subject === "string" && e.subject && typeof e.html === "string");
      if (!valid) {
        stats.rejected++;
        return reply(422, { statusCode: 422, name: "validation_error", message: "Invalid batch." });
      }
      stats.batches++;
      stats.bytes += body.length;
      for (const e of emails as Array<{ html: string; text?: string; headers?: Record<string, string> }>) {
        stats.emails++;
        if (e.html.includes(`${APP_URL}/t/c/`)) stats.tracked++;
        if (e.html.includes(`${APP_URL}/t/o/`)) stats.withPixel++;
        if (e.text && e.text.includes(`${APP_URL}/t/c/`)) stats.withText++;
        if (e.headers?.["List-Unsubscribe-Post"] === "List-Unsubscribe=One-Click") stats.withUnsubscribe++;
      }
      reply(200, { data: (emails as unknown[]).map(() => ({ id: `bench_${++nextId}` })) });
    });
  });
  server.listen(0, "127.0.0.1", () => {
    const address = server.address();
    process.stdout.write(`${typeof address === "object" && address ? address.port : 0}\n`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

// ---------------------------------------------------------------------------------------------------------------
// Seeded recipients: distinct names, emails and carts (1-4 lines from a catalogue), stored the way the checkout
// normaliser stores a Started Checkout event, plus the per-message ids the delivery path signs links with.

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ["Ava", "Noah", "Mia", "Liam", "Zoë", "Ethan", "Chloé", "Lucas", "Amara", "Mateo", "Sofía", "Kenji", "Aisha", "Oliver", "Ines", "Ravi"];
const LAST = ["Nguyen", "Smith", "García", "Okafor", "Müller", "Rossi", "Kowalski", "Haddad", "Tanaka", "O'Brien", "Silva", "Johansson"];
const PRODUCTS = [
  ["Merino Crew Sweater", "89.00", ["Oat / S", "Oat / M", "Navy / L"]],
  ["Canvas Weekender Bag", "129.00", [null]],
  ["Waxed Field Jacket", "245.00", ["Olive / M", "Black / L"]],
  ["Wool Beanie", "32.00", ["Charcoal", "Rust"]],
  ["Trail Running Socks (3 pack)", "24.50", ["M", "L"]],
  ["Leather Card Holder", "45.00", [null]],
  ["Organic Cotton Tee", "38.00", ["White / S", "Sage / M", "Ink / XL"]],
] as const;

type Recipient = {
  messageId: string;
  profileId: string;
  profile: { firstName: string | null; lastName: string | null; email: string; properties: Record<string, unknown> };
  trigger: { name: string; properties: Record<string, unknown> };
};

function recipients(count: number): Recipient[] {
  const random = mulberry32(20260501);
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)];
  return Array.from({ length: count }, (_, i) => {
    const first = random() < 0.1 ? null : pick(FIRST); // one in ten has no first name: the fallback path
    const last = pick(LAST);
    const lines = Array.from({ length: 1 + Math.floor(random() * 4) }, () => {
      const [title, price, variants] = pick(PRODUCTS);
      return { productId: String(7_000_000 + Math.floor(random() * 1000)), variantId: null, title, variantTitle: pick(variants), quantity: 1 + Math.floor(random() * 3), price };
    });
    const total = lines.reduce((sum, l) => sum + Number(l.price) * l.quantity, 0).toFixed(2);
    const token = `c${i.toString(36)}${Math.floor(random() * 1e9).toString(36)}`;
    return {
      messageId: `msg_${i}`,
      profileId: `prof_${i}`,
      profile: { firstName: first, lastName: last, email: `${(first ?? "customer").toLowerCase()}.${i}@example.com`, properties: { vip: random() < 0.2 } },
      trigger: {
        name: "Started Checkout",
        properties: {
          checkoutToken: token,
          abandonedCheckoutUrl: `${BRAND.shopUrl}/12345/checkouts/${token}/recover?key=${token}k`,
          totalPrice: total,
          currency: "USD",
          lineItems: lines,
        },
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// What the delivery path does per message (prepareOne in app/models/email-render.server.ts, without the database).

function variablesFor(r: Recipient): TemplateVariables {
  const unsubscribe = unsubscribeUrl({ secret: SECRET, appUrl: APP_URL, shopId: SHOP_ID, profileId: r.profileId, messageId: r.messageId });
  return buildTemplateVariables({ profile: r.profile, shop: BRAND, trigger: r.trigger, discount: null, links: { unsubscribe, preferences: unsubscribe } });
}

const expiresAt = new Date("2027-01-01T00:00:00Z");

async function main() {
  const server = await startServer();
  try {
    const compiled = await compileEmail(defaultEmailContent("abandoned_checkout_1")!, BRAND);
    const people = recipients(EMAILS);
    const mailer = createResendMailer({ apiKey: API_KEY, baseUrl: server.url, requestsPerSecond: 100_000, timeoutMs: 30_000 });

    const render = (r: Recipient): OutgoingEmail => {
      const variables = variablesFor(r);
      const profileToken = signProfileToken({ shopId: SHOP_ID, profileId: r.profileId, expiresAt }, SECRET);
      const email = renderEmail(compiled, variables, {
        tracker: emailTracker({ secret: SECRET, appUrl: APP_URL, shopId: SHOP_ID, messageId: r.messageId }),
        decorate: (url) =>
          decorateDestination(url, {
            utm: { source: "shop-flows", medium: "email", campaign: "abandoned_checkout_1", content: "checkout_1" },
            profileToken,
            profileTokenParam: "_sft",
            shopHosts: ["northwind-outfitters.myshopify.com"],
          }),
      });
      return {
        shopId: SHOP_ID,
        idempotencyKey: `${r.messageId}:checkout_1`,
        from: "Northwind Outfitters <hello@northwind.example>",
        to: r.profile.email,
        subject: email.subject,
        html: email.html,
        text: email.text,
        headers: listUnsubscribeHeaders(variables.links.unsubscribe),
        tags: [{ name: "flow", value: "abandoned_checkout" }],
      };
    };

    // Warm both paths up (JIT and the HTTP connection) before any clock starts.
    const warm = recipients(2_000);
    for (const r of warm) emailLiquid.renderSync(compiled.html, variablesFor(r));
    await mailer.send(warm.slice(0, BATCH).map(render));
    const warmBatch = BATCH;

    // The ceiling's variables are built beforehand, a chunk at a time (holding 50,000 would tax the GC of both runs).
    let ceilingNs = 0n;
    let bytes = 0;
    for (let at = 0; at < people.length; at += 1_000) {
      const chunk = people.slice(at, at + 1_000).map(variablesFor);
      const t = process.hrtime.bigint();
      for (const v of chunk) bytes += (emailLiquid.renderSync(compiled.html, v) as string).length;
      ceilingNs += process.hrtime.bigint() - t;
    }
    const ceilingSeconds = Number(ceilingNs) / 1e9;

    // Where the time goes: the same rendering without the send, on a slice of the recipients.
    const slice = people.slice(0, Math.min(10_000, people.length));
    const renderStarted = process.hrtime.bigint();
    for (const r of slice) render(r);
    const renderOnlyUs = Number(process.hrtime.bigint() - renderStarted) / 1e3 / slice.length;

    const batchMs: number[] = [];
    const failures: string[] = [];
    const inFlight = new Set<Promise<void>>();
    let htmlBytes = 0;
    const started = process.hrtime.bigint();
    for (let at = 0; at < people.length; at += BATCH) {
      const batch: OutgoingEmail[] = [];
      for (let i = at; i < Math.min(at + BATCH, people.length); i++) {
        const email = render(people[i]);
        htmlBytes += email.html.length;
        batch.push(email);
        // Rendering is synchronous: without these pauses a 1.5 MB request body waits for the whole next batch.
        if ((i + 1) % YIELD_EVERY === 0) await new Promise((resolve) => setImmediate(resolve));
      }
      const sentAt = process.hrtime.bigint();
      const send = mailer.send(batch).then((results) => {
        batchMs.push(Number(process.hrtime.bigint() - sentAt) / 1e6);
        for (const r of results) if (r.status !== "sent") failures.push(r.reason);
      });
      inFlight.add(send);
      void send.finally(() => inFlight.delete(send));
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const oursSeconds = Number(process.hrtime.bigint() - started) / 1e9;
    const stats = await server.stats();

    const ours = EMAILS / oursSeconds;
    const ceiling = EMAILS / ceilingSeconds;
    const ratio = ours / ceiling;
    batchMs.sort((a, b) => a - b);
    const accepted = stats.emails - warmBatch;
    const rows: Row[] = [
      {
        measure: `emails rendered + sent (${EMAILS}, batches of ${BATCH})`,
        ours: `${ours.toFixed(0)}/s (${oursSeconds.toFixed(1)} s; send p50 ${percentile(batchMs, 50).toFixed(0)} ms, p99 ${percentile(batchMs, 99).toFixed(0)} ms)`,
        ceiling: `${ceiling.toFixed(0)}/s bare Liquid (${ceilingSeconds.toFixed(1)} s)`,
        ratio: `${(ratio * 100).toFixed(0)} %`,
        target: ">= 3000/s and >= 50 %",
        pass: ours >= 3000 && ratio >= 0.5,
      },
      {
        measure: "accepted by the Resend server",
        ours: `${accepted} emails, ${stats.batches - 1} batches, ${(stats.bytes / 1e6).toFixed(0)} MB`,
        ceiling: "-",
        ratio: "-",
        target: "all, each with tracked links, pixel, text, one-click unsubscribe",
        pass:
          accepted === EMAILS &&
          failures.length === 0 &&
          stats.rejected === 0 &&
          [stats.tracked, stats.withPixel, stats.withText, stats.withUnsubscribe].every((n) => n === stats.emails),
      },
      {
        measure: "time per email",
        ours: `${(1e6 / ours).toFixed(0)} µs: render ${renderOnlyUs.toFixed(0)} µs (signing, variables, Liquid, links, text), send ${(1e6 / ours - renderOnlyUs).toFixed(0)} µs`,
        ceiling: `${(1e6 / ceiling).toFixed(0)} µs Liquid`,
        ratio: "-",
        target: "-",
        pass: null,
      },
      {
        measure: "HTML per email",
        ours: `${(htmlBytes / EMAILS / 1024).toFixed(1)} KiB`,
        ceiling: `${(bytes / EMAILS / 1024).toFixed(1)} KiB`,
        ratio: "-",
        target: "-",
        pass: null,
      },
    ];
    if (failures.length) console.error(`failures (${failures.length}), first: ${failures[0]}`);
    // Other work on the machine slows both measures, but not evenly: the load average says how quiet it was.
    printTable(`Render and send on ${os.cpus().length} cores (load average ${os.loadavg()[0].toFixed(1)}), Node ${process.version}`, rows);
  } finally {
    server.stop();
  }
}

async function startServer(): Promise<{ url: string; stats: () => Promise<Record<string, number>>; stop: () => void }> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", fileURLToPath(import.meta.url), "--resend-server"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`Resend server exited with ${code}`)));
    child.stdout?.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
  });
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    stats: async () => (await (await fetch(`${url}/stats`)).json()) as Record<string, number>,
    stop: () => {
      if (child.exitCode === null) child.kill("SIGTERM");
    },
  };
}

if (process.argv.includes("--resend-server")) {
  runResendServer();
} else {
  main().then(
    () => process.exit(0),
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
