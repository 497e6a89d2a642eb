// A local Shopify Admin GraphQL server speaking the bulk-operation protocol: bulkOperationRunQuery, polling
// node(id:) / currentBulkOperation (CREATED -> RUNNING -> COMPLETED, or FAILED), the JSONL result served from
// the same server, cost extensions, THROTTLED answers and HTTP 429. Discounts and customers (discount codes,
// marketing consent) are served by tests/helpers/fake-shopify-store.ts, reachable as `fake.store`.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { createAdminGraphql } from "../../app/services/shopify-admin.server";
import { createFakeStore, storeOperationOf } from "./fake-shopify-store";

export type ExportKind = "customers" | "orders";

export type FakeOperation = {
  id: string;
  kind: ExportKind;
  query: string;
  groupObjects: boolean;
  status: "CREATED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELED" | "EXPIRED";
  polls: number;
  lines: string[];
  failWith: string | null;
};

export type FakeShopifyOptions = {
  shop?: string;
  accessToken?: string;
  /** Polls answered CREATED, then RUNNING, before the operation completes. */
  createdPolls?: number;
  runningPolls?: number;
  /** Bulk query operations that may run at once (Shopify: 1 before 2026-01, 5 after). */
  concurrency?: number;
};

const MAX_AVAILABLE = 2000;
const RESTORE_RATE = 100;
const QUERY_COST = 10;

export async function startFakeShopifyAdmin(options: FakeShopifyOptions = {}) {
  const shop = options.shop ?? "backfill-test.myshopify.com";
  const accessToken = options.accessToken ?? "shpat_test_token";
  const results: Record<ExportKind, string[]> = { customers: [], orders: [] };
  const operations: FakeOperation[] = [];
  const requests: Array<{ path: string; operation: string; variables: Record<string, unknown> }> = [];
  const downloads: string[] = [];
  const failures = new Map<ExportKind, string>();
  let throttled = 0;
  let tooManyRequests = 0;
  let available = MAX_AVAILABLE - QUERY_COST;
  let dropAfterLines: number | null = null;
  const expired = new Set<string>();

  const cost = (actual: number | null) => ({
    cost: {
      requestedQueryCost: QUERY_COST,
      actualQueryCost: actual,
      throttleStatus: { maximumAvailable: MAX_AVAILABLE, currentlyAvailable: available, restoreRate: RESTORE_RATE },
    },
  });
  const view = (op: FakeOperation) => ({
    id: op.id,
    status: op.status,
    errorCode: op.status === "FAILED" ? op.failWith : null,
    objectCount: String(op.status === "COMPLETED" ? op.lines.length : op.status === "RUNNING" ? Math.floor(op.lines.length / 2) : 0),
    url: op.status === "COMPLETED" && op.lines.length > 0 ? `${base}/results/${encodeURIComponent(op.id)}.jsonl` : null,
    partialDataUrl: null,
    createdAt: "2026-11-24T12:00:00Z",
    completedAt: op.status === "COMPLETED" ? "2026-11-24T12:01:00Z" : null,
  });
  const advance = (op: FakeOperation) => {
    op.polls++;
    if (op.status !== "CREATED" && op.status !== "RUNNING") return;
    const created = options.createdPolls ?? 1;
    const running = options.runningPolls ?? 1;
    if (op.polls <= created) op.status = "CREATED";
    else if (op.polls <= created + running) op.status = "RUNNING";
    else op.status = op.failWith ? "FAILED" : "COMPLETED";
  };

  // tagsAdd / tagsRemove calls as received (throttled ones excluded), and each resource's tags after them.
  const tagCalls: Array<{ mutation: "tagsAdd" | "tagsRemove"; id: string; tags: string[] }> = [];
  const tagsById = new Map<string, Set<string>>();

  // The app's web pixel: one per app and shop, as Shopify keeps it.
  let webPixel: { id: string; settings: string } | null = null;

  const store = createFakeStore();

  function graphql(body: { query: string; variables?: Record<string, unknown> }) {
    const query = body.query;
    const variables = body.variables ?? {};
    const stored = store.handle(query, variables);
    if (stored) return stored;
    if (query.includes("webPixelCreate")) {
      if (webPixel) return { data: { webPixelCreate: { webPixel: null, userErrors: [{ code: "TAKEN", field: null, message: "Web pixel is taken." }] } } };
      webPixel = { id: "gid://shopify/WebPixel/1", settings: String(variables.settings) };
      return { data: { webPixelCreate: { webPixel: { id: webPixel.id }, userErrors: [] } } };
    }
    if (query.includes("webPixelUpdate")) {
      if (!webPixel || variables.id !== webPixel.id) return { data: { webPixelUpdate: { webPixel: null, userErrors: [{ code: "NOT_FOUND", field: ["id"], message: "Web pixel not found." }] } } };
      webPixel.settings = String(variables.settings);
      return { data: { webPixelUpdate: { webPixel: { id: webPixel.id }, userErrors: [] } } };
    }
    if (/\bwebPixel\s*\{/.test(query)) return { data: { webPixel } };
    if (/\btags(Add|Remove)\s*\(/.test(query)) {
      const remove = /\btagsRemove\s*\(/.test(query);
      const field = remove ? "tagsRemove" : "tagsAdd";
      const id = String(variables.id ?? "");
      const tags = Array.isArray(variables.tags) ? variables.tags.map(String) : [];
      tagCalls.push({ mutation: field, id, tags });
      if (!/^gid:\/\/shopify\/(Customer|Order|Product|DraftOrder|Article)\/\d+$/.test(id)) {
        return { data: { [field]: { node: null, userErrors: [{ field: ["id"], message: "Invalid global id" }] } } };
      }
      // Idempotent, as Shopify's: adding a tag twice leaves one.
      const current = tagsById.get(id) ?? new Set<string>();
      for (const tag of tags) remove ? current.delete(tag) : current.add(tag);
      tagsById.set(id, current);
      return { data: { [field]: { node: { id }, userErrors: [] } } };
    }
    if (query.includes("bulkOperationRunQuery")) {
      const inner = String(variables.query ?? "");
      const kind = /^\s*\{\s*(customers|orders)\b/.exec(inner)?.[1] as ExportKind | undefined;
      if (!kind) return { data: { bulkOperationRunQuery: { bulkOperation: null, userErrors: [{ field: ["query"], message: "Invalid bulk query", code: "INVALID" }] } } };
      const active = operations.filter((op) => op.status === "CREATED" || op.status === "RUNNING");
      if (active.length >= (options.concurrency ?? 1)) {
        const message = `A bulk query operation for this app and shop is already in progress: ${active[0].id}.`;
        return { data: { bulkOperationRunQuery: { bulkOperation: null, userErrors: [{ field: null, message, code: "OPERATION_IN_PROGRESS" }] } } };
      }
      const op: FakeOperation = {
        id: `gid://shopify/BulkOperation/${720918 + operations.length}`,
        kind,
        query: inner,
        groupObjects: variables.groupObjects === true,
        status: "CREATED",
        polls: 0,
        lines: [...results[kind]],
        failWith: failures.get(kind) ?? null,
      };
      failures.delete(kind);
      operations.push(op);
      return { data: { bulkOperationRunQuery: { bulkOperation: view(op), userErrors: [] } } };
    }
    if (query.includes("currentBulkOperation")) {
      const op = operations.at(-1);
      if (op) advance(op);
      return { data: { currentBulkOperation: op ? view(op) : null } };
    }
    if (query.includes("node(")) {
      const op = operations.find((o) => o.id === variables.id);
      if (op) advance(op);
      return { data: { node: op ? view(op) : null } };
    }
    return { errors: [{ message: "Field doesn't exist on type 'QueryRoot'", extensions: { code: "undefinedField" } }] };
  }

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? "/", base);
    const resultPath = /^\/results\/(.+)\.jsonl$/.exec(url.pathname);
    if (req.method === "GET" && resultPath) return serveResult(decodeURIComponent(resultPath[1]), res);
    const api = /^\/admin\/api\/([^/]+)\/graphql\.json$/.exec(url.pathname);
    if (req.method !== "POST" || !api) return send(res, 404, { errors: "Not Found" });
    if (req.headers["x-shopify-access-token"] !== accessToken) {
      return send(res, 401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { query: string; variables?: Record<string, unknown> };
    const operation = storeOperationOf(body.query) ?? /(bulkOperationRunQuery|currentBulkOperation|node\(|tagsAdd|tagsRemove)/.exec(body.query)?.[1] ?? "other";
    requests.push({ path: url.pathname, operation, variables: body.variables ?? {} });
    if (tooManyRequests > 0) {
      tooManyRequests--;
      res.setHeader("Retry-After", "2");
      return send(res, 429, { errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." });
    }
    if (throttled > 0) {
      throttled--;
      available = 4;
      return send(res, 200, { errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }], extensions: cost(null) });
    }
    available = MAX_AVAILABLE - QUERY_COST;
    return send(res, 200, { ...graphql(body), extensions: cost(QUERY_COST) });
  }

  function serveResult(id: string, res: ServerResponse) {
    downloads.push(id);
    const op = operations.find((o) => o.id === id && o.status === "COMPLETED");
    if (!op) return send(res, 404, { error: "NoSuchKey" });
    if (expired.has(op.id)) return send(res, 403, { error: "ExpiredToken" });
    res.writeHead(200, { "Content-Type": "application/jsonl" });
    if (dropAfterLines !== null) {
      const cut = dropAfterLines;
      dropAfterLines = null;
      // Sent, then the connection dies mid-file: the client sees a truncated chunked body.
      res.write(op.lines.slice(0, cut).map((line) => `${line}\n`).join(""), () => res.socket?.destroy());
      return;
    }
    res.end(op.lines.map((line) => `${line}\n`).join(""));
  }

  function send(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(JSON.stringify(body));
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { errors: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    shop,
    accessToken,
    url: base,
    operations,
    requests,
    downloads,
    /** fetch for the Admin client: https://<shop>/admin/api/... goes to this server instead. */
    fetchApi: (input: string, init?: RequestInit) => fetch(input.replace(/^https:\/\/[^/]+/, base), init),
    /** tagsAdd / tagsRemove mutations that reached the handler (not the throttled or 429 answers). */
    tagCalls,
    /** A resource's tags after the mutations so far. */
    tagsOf: (id: string) => [...(tagsById.get(id) ?? [])].sort(),
    /** Discount codes and customers: what the app created and changed, and set-up and failure switches. */
    store: store.api,
    /** The shop's web pixel as the app last configured it. */
    webPixel: () => webPixel,
    /** The JSONL lines the next export of `kind` will produce (objects are serialised, strings kept verbatim). */
    setResult(kind: ExportKind, lines: Array<string | object>) {
      results[kind] = lines.map((line) => (typeof line === "string" ? line : JSON.stringify(line)));
    },
    /** The next export of `kind` ends FAILED with this BulkOperationErrorCode. */
    failNextExport(kind: ExportKind, errorCode: string) {
      failures.set(kind, errorCode);
    },
    throttleNext(count: number) {
      throttled = count;
    },
    tooManyRequestsNext(count: number) {
      tooManyRequests = count;
    },
    /** The next download sends this many lines, then the connection drops. */
    dropNextDownloadAfter(lines: number) {
      dropAfterLines = lines;
    },
    /** The result files of the exports so far answer 403, as Shopify's signed URLs do after seven days. */
    expireResults() {
      for (const op of operations) expired.add(op.id);
    },
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}

export type FakeShopifyAdmin = Awaited<ReturnType<typeof startFakeShopifyAdmin>>;

// JSONL builders in the exact shape the backfill queries select.

export function gid(type: string, id: string | number) {
  return `gid://shopify/${type}/${id}`;
}

const money = (amount: string, currencyCode = "USD") => ({ shopMoney: { amount, currencyCode } });

export type CustomerLineInput = {
  id: string;
  email?: string | null;
  phone?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  updatedAt?: string;
  consent?: { state: string; at: string | null; level?: string } | null;
};

export function customerLine(c: CustomerLineInput) {
  return {
    id: gid("Customer", c.id),
    email: c.email ?? null,
    phone: c.phone ?? null,
    firstName: c.firstName ?? null,
    lastName: c.lastName ?? null,
    createdAt: "2025-01-01T10:00:00Z",
    updatedAt: c.updatedAt ?? "2026-01-05T10:00:00Z",
    emailMarketingConsent: c.consent
      ? { marketingState: c.consent.state, marketingOptInLevel: c.consent.level ?? "SINGLE_OPT_IN", consentUpdatedAt: c.consent.at }
      : null,
  };
}

export type OrderLinesInput = {
  id: string;
  customerId?: string | null;
  email?: string | null;
  total: string;
  currentTotal?: string;
  refunded?: string;
  createdAt?: string;
  updatedAt?: string;
  cancelledAt?: string | null;
  test?: boolean;
  currency?: string;
  items: Array<{ id: string; price: string; quantity: number; title?: string; productId?: string; variantId?: string; discount?: string }>;
};

/** The order's line followed by one line per line item carrying `__parentId` (grouped output). */
export function orderLines(o: OrderLinesInput): object[] {
  const currency = o.currency ?? "USD";
  const orderId = gid("Order", o.id);
  const order = {
    id: orderId,
    name: `#${o.id.slice(-4)}`,
    email: o.email ?? null,
    createdAt: o.createdAt ?? "2026-06-01T12:00:00Z",
    processedAt: o.createdAt ?? "2026-06-01T12:00:00Z",
    updatedAt: o.updatedAt ?? o.createdAt ?? "2026-06-01T12:00:00Z",
    cancelledAt: o.cancelledAt ?? null,
    test: o.test ?? false,
    currencyCode: currency,
    totalPriceSet: money(o.total, currency),
    currentTotalPriceSet: money(o.currentTotal ?? o.total, currency),
    totalRefundedSet: money(o.refunded ?? "0.00", currency),
    customer: o.customerId ? { id: gid("Customer", o.customerId), email: o.email ?? null, phone: null } : null,
  };
  const items = o.items.map((item) => ({
    id: gid("LineItem", item.id),
    title: item.title ?? "Widget",
    variantTitle: null,
    sku: null,
    vendor: null,
    quantity: item.quantity,
    variant: item.variantId ? { id: gid("ProductVariant", item.variantId) } : null,
    product: item.productId ? { id: gid("Product", item.productId) } : null,
    originalUnitPriceSet: money(item.price, currency),
    discountAllocations: item.discount ? [{ allocatedAmountSet: money(item.discount, currency) }] : [],
    __parentId: orderId,
  }));
  return [order, ...items];
}

/**
 * An Admin API client for `fake` whose waits are recorded instead of slept, on a frozen clock: the bucket refills
 * only by the waits the client asks for, so the recorded waits never depend on machine speed.
 */
export function recordingAdminClient(fake: FakeShopifyAdmin, options: { maxRetries?: number } = {}) {
  const sleeps: number[] = [];
  const admin = createAdminGraphql({
    shop: fake.shop,
    accessToken: fake.accessToken,
    apiVersion: "2026-07",
    customFetchApi: fake.fetchApi,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    now: () => 0,
    ...(options.maxRetries !== undefined ? { maxRetries: options.maxRetries } : {}),
  });
  return { admin, sleeps };
}
