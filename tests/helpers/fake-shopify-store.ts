// The discount and customer side of the fake Admin GraphQL API (tests/helpers/fake-shopify-admin.ts serves it):
// codeDiscountNodeByCode, discountCodeBasicCreate, customer(id:), customerByIdentifier, customerCreate and
// customerEmailMarketingConsentUpdate, with Shopify's input types checked strictly (an unknown or mistyped input
// field is a top-level GraphQL error, as Shopify's schema validation makes it) and Shopify's userErrors for
// duplicates and out-of-range values. Arguments are read from the request's variables.
import { z } from "zod";

export type FakeDiscount = {
  id: string;
  code: string;
  title: string;
  startsAt: string;
  endsAt: string | null;
  usageLimit: number | null;
  appliesOncePerCustomer: boolean;
  /** The buyers it is for: "ALL", or customer gids. */
  customers: "ALL" | string[];
  value: { percentage: number } | { amount: string; appliesOnEachItem: boolean };
  allItems: boolean;
  combinesWith: { productDiscounts: boolean; orderDiscounts: boolean; shippingDiscounts: boolean };
};

export type FakeConsent = { marketingState: string; marketingOptInLevel: string | null; consentUpdatedAt: string | null };
export type FakeCustomer = { id: string; email: string | null; firstName: string | null; lastName: string | null; emailMarketingConsent: FakeConsent | null };
export type StoreOperation =
  | "codeDiscountNodeByCode"
  | "discountCodeBasicCreate"
  | "customerEmailMarketingConsentUpdate"
  | "customerByIdentifier"
  | "customerCreate"
  | "customer";
type UserError = { field: string[] | null; message: string; code?: string };
type Answer = { data?: unknown; errors?: unknown[] };

// Checked in this order: the mutations' selections mention `customer {`, never `customer(`.
const OPERATIONS: Array<[StoreOperation, RegExp]> = [
  ["discountCodeBasicCreate", /\bdiscountCodeBasicCreate\s*\(/],
  ["codeDiscountNodeByCode", /\bcodeDiscountNodeByCode\s*\(/],
  ["customerEmailMarketingConsentUpdate", /\bcustomerEmailMarketingConsentUpdate\s*\(/],
  ["customerByIdentifier", /\bcustomerByIdentifier\s*\(/],
  ["customerCreate", /\bcustomerCreate\s*\(/],
  ["customer", /\bcustomer\s*\(/],
];

/** The store operation a query runs, if any. */
export function storeOperationOf(query: string): StoreOperation | null {
  return OPERATIONS.find(([, pattern]) => pattern.test(query))?.[0] ?? null;
}

const isoDateTime = z.iso.datetime({ offset: true });
const customerGid = z.string().regex(/^gid:\/\/shopify\/Customer\/\d+$/, "Invalid global id");
const idList = z.strictObject({ add: z.array(z.string()).optional(), remove: z.array(z.string()).optional() });
const bool = z.boolean().nullish();

const discountInput = z.strictObject({
  title: z.string().nullish(),
  code: z.string().nullish(),
  startsAt: isoDateTime.nullish(),
  endsAt: isoDateTime.nullish(),
  usageLimit: z.number().int().nullish(),
  appliesOncePerCustomer: bool,
  recurringCycleLimit: z.number().int().nullish(),
  tags: z.array(z.string()).nullish(),
  context: z
    .strictObject({ all: z.enum(["ALL"]).nullish(), customers: idList.nullish(), customerSegments: idList.nullish() })
    .nullish(),
  customerSelection: z
    .strictObject({ all: bool, customers: idList.nullish(), customerSegments: idList.nullish() })
    .nullish(),
  customerGets: z
    .strictObject({
      value: z.strictObject({
        percentage: z.number().nullish(),
        discountAmount: z.strictObject({ amount: z.union([z.string().regex(/^\d+(\.\d+)?$/), z.number()]), appliesOnEachItem: bool }).nullish(),
        discountOnQuantity: z.unknown().optional(),
      }),
      items: z.strictObject({ all: bool, products: z.unknown().optional(), collections: z.unknown().optional() }),
      appliesOnOneTimePurchase: bool,
      appliesOnSubscription: bool,
    })
    .nullish(),
  combinesWith: z.strictObject({ productDiscounts: bool, orderDiscounts: bool, shippingDiscounts: bool }).nullish(),
  minimumRequirement: z.unknown().optional(),
});

const consentInput = z.strictObject({
  marketingState: z.enum(["NOT_SUBSCRIBED", "PENDING", "SUBSCRIBED", "UNSUBSCRIBED", "REDACTED", "INVALID"]),
  marketingOptInLevel: z.enum(["SINGLE_OPT_IN", "CONFIRMED_OPT_IN", "UNKNOWN"]).nullish(),
  consentUpdatedAt: isoDateTime.nullish(),
  sourceLocationId: z.string().nullish(),
});
const consentUpdateInput = z.strictObject({ customerId: customerGid, emailMarketingConsent: consentInput });
const customerInput = z.strictObject({
  email: z.string().nullish(),
  firstName: z.string().nullish(),
  lastName: z.string().nullish(),
  phone: z.string().nullish(),
  note: z.string().nullish(),
  tags: z.array(z.string()).nullish(),
  emailMarketingConsent: consentInput.nullish(),
});
const identifierInput = z.strictObject({
  emailAddress: z.string().nullish(),
  phoneNumber: z.string().nullish(),
  id: z.string().nullish(),
  customId: z.unknown().optional(),
});

/** A top-level error in the shape Shopify gives an invalid variable (HTTP 200, no data). */
function invalidVariable(name: string, type: string, error: z.ZodError): Answer {
  const problems = error.issues.map((issue) => ({ path: issue.path.map(String), explanation: issue.message }));
  const detail = problems.map((p) => `${p.path.join(".") || "(root)"}: ${p.explanation}`).join("; ");
  return {
    errors: [{ message: `Variable $${name} of type ${type} was provided invalid value (${detail})`, extensions: { code: "INVALID_VARIABLE", problems } }],
  };
}

const numericId = (gid: string) => gid.slice(gid.lastIndexOf("/") + 1);

export function createFakeStore() {
  const discounts = new Map<string, FakeDiscount>(); // by upper-case code: Shopify's codes are case-insensitive
  const customers = new Map<string, FakeCustomer>(); // by gid
  const calls: Array<{ operation: StoreOperation; variables: Record<string, unknown> }> = [];
  const injected = new Map<StoreOperation, UserError[]>();
  let raceNextCreate = false;
  let nextDiscountId = 1_000_001;
  let nextCustomerId = 8_100_000_000_001;

  const discountView = (d: FakeDiscount) => ({
    id: d.id,
    codeDiscount: {
      __typename: "DiscountCodeBasic",
      title: d.title,
      status: "ACTIVE",
      startsAt: d.startsAt,
      endsAt: d.endsAt,
      usageLimit: d.usageLimit,
      appliesOncePerCustomer: d.appliesOncePerCustomer,
      codes: { nodes: [{ code: d.code }] },
    },
  });
  // Both the deprecated fields (email, emailMarketingConsent) and their 2025-04 successor, defaultEmailAddress.
  const customerView = (c: FakeCustomer | null) =>
    c && {
      ...c,
      defaultEmailAddress: c.email
        ? {
            emailAddress: c.email,
            marketingState: c.emailMarketingConsent?.marketingState ?? "NOT_SUBSCRIBED",
            marketingOptInLevel: c.emailMarketingConsent?.marketingOptInLevel ?? null,
            marketingUpdatedAt: c.emailMarketingConsent?.consentUpdatedAt ?? null,
          }
        : null,
    };
  const customerByEmail = (email: string) => [...customers.values()].find((c) => c.email?.toLowerCase() === email.trim().toLowerCase()) ?? null;

  function createDiscount(variables: Record<string, unknown>): Answer {
    const parsed = discountInput.safeParse(variables.basicCodeDiscount);
    if (!parsed.success) return invalidVariable("basicCodeDiscount", "DiscountCodeBasicInput!", parsed.error);
    const input = parsed.data;
    const field = (...path: string[]) => ["basicCodeDiscount", ...path];
    const errors: UserError[] = [];
    if (!input.title) errors.push({ field: field("title"), code: "BLANK", message: "Title can't be blank" });
    if (!input.code) errors.push({ field: field("code"), code: "BLANK", message: "Code can't be blank" });
    if ((input.code ?? "").length > 255) errors.push({ field: field("code"), code: "TOO_LONG", message: "Code is too long (maximum is 255 characters)" });
    if (!input.startsAt) errors.push({ field: field("startsAt"), code: "BLANK", message: "Starts at can't be blank" });
    if (input.startsAt && input.endsAt && Date.parse(input.endsAt) <= Date.parse(input.startsAt)) {
      errors.push({ field: field("endsAt"), code: "END_DATE_BEFORE_START_DATE", message: "Ends at needs to be after starts_at" });
    }
    if (input.context && input.customerSelection) {
      errors.push({ field: field("context"), code: "CONFLICT", message: "Only one of context or customerSelection can be provided" });
    }
    const buyers = input.context ?? input.customerSelection;
    const buyerIds = buyers?.customers?.add ?? [];
    if (!buyers || (!(buyers.all === "ALL" || buyers.all === true) && buyerIds.length === 0 && !buyers.customerSegments)) {
      errors.push({ field: field("context"), code: "BLANK", message: "Context can't be blank" });
    }
    if (buyerIds.some((id) => !customerGid.safeParse(id).success)) errors.push({ field: field("context", "customers", "add"), code: "INVALID", message: "Invalid global id" });
    if (input.usageLimit !== null && input.usageLimit !== undefined && input.usageLimit < 1) {
      errors.push({ field: field("usageLimit"), code: "GREATER_THAN", message: "Usage limit must be greater than 0" });
    }
    const value = input.customerGets?.value;
    if (!input.customerGets) errors.push({ field: field("customerGets"), code: "BLANK", message: "Customer gets can't be blank" });
    else if ((value?.percentage != null) === (value?.discountAmount != null)) {
      errors.push({ field: field("customerGets", "value"), code: "INVALID", message: "Specify exactly one of percentage or discountAmount" });
    } else if (value?.percentage != null && !(value.percentage > 0 && value.percentage <= 1)) {
      errors.push({ field: field("customerGets", "value", "percentage"), code: "VALUE_OUTSIDE_RANGE", message: "Value must be between 0.0 and 1.0" });
    } else if (value?.discountAmount && !(Number(value.discountAmount.amount) > 0)) {
      errors.push({ field: field("customerGets", "value", "discountAmount", "amount"), code: "GREATER_THAN", message: "Value must be greater than 0" });
    }
    const code = input.code ?? "";
    const existing = discounts.get(code.toUpperCase());
    if (errors.length === 0 && existing) errors.push({ field: field("code"), code: "TAKEN", message: "Code must be unique. Please try a different code." });
    if (errors.length > 0) return { data: { discountCodeBasicCreate: { codeDiscountNode: null, userErrors: errors } } };

    const discount: FakeDiscount = {
      id: `gid://shopify/DiscountCodeNode/${nextDiscountId++}`,
      code,
      title: input.title ?? "",
      startsAt: input.startsAt ?? "",
      endsAt: input.endsAt ?? null,
      usageLimit: input.usageLimit ?? null,
      appliesOncePerCustomer: input.appliesOncePerCustomer ?? false,
      customers: buyers?.all ? "ALL" : buyerIds,
      value: value?.percentage != null
        ? { percentage: value.percentage }
        : { amount: String(value?.discountAmount?.amount), appliesOnEachItem: value?.discountAmount?.appliesOnEachItem ?? false },
      allItems: input.customerGets?.items.all === true,
      combinesWith: {
        productDiscounts: input.combinesWith?.productDiscounts ?? false,
        orderDiscounts: input.combinesWith?.orderDiscounts ?? false,
        shippingDiscounts: input.combinesWith?.shippingDiscounts ?? false,
      },
    };
    discounts.set(code.toUpperCase(), discount);
    if (raceNextCreate) {
      // Another worker created this very code a moment earlier: it exists, and this call is told so.
      raceNextCreate = false;
      const message = "Code must be unique. Please try a different code.";
      return { data: { discountCodeBasicCreate: { codeDiscountNode: null, userErrors: [{ field: field("code"), code: "TAKEN", message }] } } };
    }
    return { data: { discountCodeBasicCreate: { codeDiscountNode: { id: discount.id }, userErrors: [] } } };
  }

  function updateConsent(variables: Record<string, unknown>): Answer {
    const parsed = consentUpdateInput.safeParse(variables.input);
    if (!parsed.success) return invalidVariable("input", "CustomerEmailMarketingConsentUpdateInput!", parsed.error);
    const { customerId, emailMarketingConsent: consent } = parsed.data;
    const payload = (customer: FakeCustomer | null, userErrors: UserError[]) => ({ data: { customerEmailMarketingConsentUpdate: { customer: customerView(customer), userErrors } } });
    const customer = customers.get(customerId);
    if (!customer) return payload(null, [{ field: ["input", "customerId"], code: "INVALID", message: "Customer not found" }]);
    if (!customer.email) return payload(null, [{ field: ["input", "customerId"], code: "MISSING_ARGUMENT", message: "Customer must have an email address" }]);
    if (!["SUBSCRIBED", "UNSUBSCRIBED", "PENDING"].includes(consent.marketingState)) {
      return payload(null, [{ field: ["input", "emailMarketingConsent", "marketingState"], code: "INCLUSION", message: "Marketing state is not included in the list" }]);
    }
    customer.emailMarketingConsent = {
      marketingState: consent.marketingState,
      marketingOptInLevel: consent.marketingOptInLevel ?? customer.emailMarketingConsent?.marketingOptInLevel ?? null,
      consentUpdatedAt: consent.consentUpdatedAt ? new Date(consent.consentUpdatedAt).toISOString() : null,
    };
    return payload(customer, []);
  }

  function createCustomer(variables: Record<string, unknown>): Answer {
    const parsed = customerInput.safeParse(variables.input);
    if (!parsed.success) return invalidVariable("input", "CustomerInput!", parsed.error);
    const input = parsed.data;
    const payload = (customer: FakeCustomer | null, userErrors: UserError[]) => ({ data: { customerCreate: { customer: customerView(customer), userErrors } } });
    if (!input.email && !input.phone && !input.firstName && !input.lastName) {
      return payload(null, [{ field: null, message: "A name, phone number, or email address must be present" }]);
    }
    if (input.email && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(input.email)) return payload(null, [{ field: ["email"], message: "Email is invalid" }]);
    if (input.email && customerByEmail(input.email)) return payload(null, [{ field: ["email"], message: "Email has already been taken" }]);
    if (input.emailMarketingConsent && !input.email) return payload(null, [{ field: ["emailMarketingConsent"], message: "An email address is required to set the email marketing consent state." }]);
    const customer = api.addCustomer({
      email: input.email ?? null,
      firstName: input.firstName ?? null,
      lastName: input.lastName ?? null,
      consent: input.emailMarketingConsent
        ? { state: input.emailMarketingConsent.marketingState, level: input.emailMarketingConsent.marketingOptInLevel ?? null, at: input.emailMarketingConsent.consentUpdatedAt ?? null }
        : null,
    });
    return payload(customer, []);
  }

  /** The answer to a store operation, or null when the query is none of them. */
  function handle(query: string, variables: Record<string, unknown>): Answer | null {
    const operation = storeOperationOf(query);
    if (!operation) return null;
    calls.push({ operation, variables });
    const errors = injected.get(operation);
    if (errors) {
      injected.delete(operation);
      const nullField = operation === "discountCodeBasicCreate" ? "codeDiscountNode" : "customer";
      return { data: { [operation]: { [nullField]: null, userErrors: errors } } };
    }
    switch (operation) {
      case "codeDiscountNodeByCode": {
        const found = discounts.get(String(variables.code ?? "").toUpperCase());
        return { data: { codeDiscountNodeByCode: found ? discountView(found) : null } };
      }
      case "discountCodeBasicCreate":
        return createDiscount(variables);
      case "customerEmailMarketingConsentUpdate":
        return updateConsent(variables);
      case "customerCreate":
        return createCustomer(variables);
      case "customerByIdentifier": {
        const parsed = identifierInput.safeParse(variables.identifier);
        if (!parsed.success) return invalidVariable("identifier", "CustomerIdentifierInput!", parsed.error);
        const found = parsed.data.emailAddress ? customerByEmail(parsed.data.emailAddress) : parsed.data.id ? customers.get(parsed.data.id) ?? null : null;
        return { data: { customerByIdentifier: customerView(found) } };
      }
      case "customer":
        return { data: { customer: customerView(customers.get(String(variables.id ?? "")) ?? null) } };
    }
  }

  const api = {
    /** Store operations that reached the handler (not the THROTTLED or 429 answers), with their variables. */
    calls,
    callsOf: (operation: StoreOperation) => calls.filter((call) => call.operation === operation),
    discounts: () => [...discounts.values()],
    discountByCode: (code: string) => discounts.get(code.toUpperCase()) ?? null,
    customers: () => [...customers.values()],
    customer: (id: string | number) => customers.get(String(id).startsWith("gid://") ? String(id) : `gid://shopify/Customer/${id}`) ?? null,
    /** A customer that exists in the shop; returns it (its `id` is a gid). */
    addCustomer(input: { id?: string | number; email?: string | null; firstName?: string | null; lastName?: string | null; consent?: { state: string; at: string | null; level?: string | null } | null }) {
      const id = `gid://shopify/Customer/${input.id ?? nextCustomerId++}`;
      const customer: FakeCustomer = {
        id,
        email: input.email ?? null,
        firstName: input.firstName ?? null,
        lastName: input.lastName ?? null,
        emailMarketingConsent: input.consent
          ? { marketingState: input.consent.state, marketingOptInLevel: input.consent.level ?? null, consentUpdatedAt: input.consent.at ? new Date(input.consent.at).toISOString() : null }
          : null,
      };
      customers.set(id, customer);
      return customer;
    },
    /** The next call of `operation` answers these userErrors (and a null payload object). */
    userErrorsNext(operation: Exclude<StoreOperation, "codeDiscountNodeByCode" | "customerByIdentifier" | "customer">, errors: UserError[]) {
      injected.set(operation, errors);
    },
    /** The next discountCodeBasicCreate finds its code created a moment earlier by someone else: stored, answered TAKEN. */
    raceNextDiscountCreate() {
      raceNextCreate = true;
    },
    numericId,
  };
  return { handle, api };
}

export type FakeStore = ReturnType<typeof createFakeStore>["api"];
