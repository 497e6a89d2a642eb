import { z } from "zod";

/** The environment's schema: pure, so server.ts and tests can validate without importing the singleton. */

const flag = z
  .enum(["1", "0", "true", "false", "yes", "no", ""])
  .transform((v) => v === "1" || v === "true" || v === "yes");

const databaseUrl = z
  .string()
  .min(1)
  .refine((url) => /^(file:|postgres(ql)?:\/\/)/.test(url), {
    message: "must start with file: (SQLite) or postgres:// / postgresql:// (PostgreSQL)",
  });

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "::1"]);

const schema = z
  .object({
    NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
    DATABASE_URL: databaseUrl.default("file:./data/app.db"),
    HOST: z.string().min(1).default("127.0.0.1"),
    PORT: z.coerce.number().int().min(1).max(65535).default(3000),
    // Proxies in front of the app whose X-Forwarded-For to believe (a hop count); 0 means none.
    TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
    SHOPIFY_API_KEY: z.string().min(1),
    SHOPIFY_API_SECRET: z.string().min(1),
    SHOPIFY_APP_URL: z.url({ protocol: /^https?$/ }),
    SCOPES: z
      .string()
      .default("read_customers,write_customers,read_orders,read_products,write_discounts,write_pixels,read_customer_events")
      .transform((s) => s.split(",").map((scope) => scope.trim()).filter(Boolean)),
    SHOP_CUSTOM_DOMAIN: z.string().optional(),
    // Signs cookies and tokens: demo login, email tracking and unsubscribe links, profile tokens, discount codes.
    SESSION_SECRET: z.string().min(32, "must be at least 32 characters"),
    DEMO_MODE: flag.default(false),
    // The demo's fast clock, set by scripts/demo.ts and honoured only in demo mode (app/demo/demo-clock.ts).
    DEMO_CLOCK_FROM: z.iso.datetime({ offset: true }).transform((s) => new Date(s)).optional(),
    DEMO_CLOCK_SPEED: z.coerce.number().min(1).max(10_000_000).optional(),
    DEMO_CLOCK_REAL_START: z.coerce.number().int().positive().optional(),
    // Drain the inbox inside the web process (demo and development); production runs `npm run worker`.
    WORKER_IN_PROCESS: flag.optional(),
    RESEND_API_KEY: z.string().optional(),
    RESEND_BASE_URL: z.url().optional(),
    // Signing secret of the Resend webhook endpoint (POST /webhooks/resend: bounces, complaints, deliveries), as
    // Resend shows it: "whsec_" + base64. Unset (or empty), that endpoint answers 503 and writes nothing.
    RESEND_WEBHOOK_SECRET: z
      .union([z.literal(""), z.string().regex(/^whsec_[A-Za-z0-9+/]+={0,2}$/, "must be Resend's signing secret: whsec_ followed by base64")])
      .optional()
      .transform((v) => v || undefined),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  })
  .superRefine((env, ctx) => {
    if (env.DEMO_MODE && env.NODE_ENV === "production") {
      ctx.addIssue({
        code: "custom",
        path: ["DEMO_MODE"],
        message: "cannot be enabled when NODE_ENV=production (the demo login bypasses Shopify authentication)",
      });
    }
    if (env.DEMO_MODE && !LOOPBACK_HOSTS.has(env.HOST)) {
      ctx.addIssue({
        code: "custom",
        path: ["HOST"],
        message: "must be a loopback address (127.0.0.1, localhost, ::1) when DEMO_MODE is on",
      });
    }
  });

export type Env = z.infer<typeof schema>;

/** In-process worker: as set, else on in development (and so in the demo), off in test and production. */
export function runsWorkerInProcess(current: Env): boolean {
  return current.WORKER_IN_PROCESS ?? current.NODE_ENV === "development";
}

export type EnvResult = { ok: true; env: Env } | { ok: false; problems: string[] };

/** Validates an environment; each problem starts with the variable's name. */
export function parseEnv(source: Record<string, string | undefined>): EnvResult {
  const result = schema.safeParse(source);
  if (result.success) return { ok: true, env: result.data };
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.join(".") || "environment";
    const message = issue.code === "invalid_type" && source[name] === undefined ? "is required" : issue.message;
    return `${name} ${message}`;
  });
  return { ok: false, problems };
}

export class InvalidEnvironmentError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n  - ${problems.join("\n  - ")}`);
    this.name = "InvalidEnvironmentError";
  }
}

/** parseEnv that throws, naming every bad variable. */
export function loadEnv(source: Record<string, string | undefined>): Env {
  const result = parseEnv(source);
  if (!result.ok) throw new InvalidEnvironmentError(result.problems);
  return result.env;
}

/** Demo login is on only in demo mode, and never under NODE_ENV=production, whatever was validated at boot. */
export function isDemoLoginEnabled(current: Env, nodeEnv = process.env.NODE_ENV): boolean {
  return current.DEMO_MODE && current.NODE_ENV !== "production" && nodeEnv !== "production";
}
