/** The GraphQL documents of a backfill: the two bulk exports, and starting and polling a bulk operation. */

export const BACKFILL_KINDS = ["customers", "orders"] as const;
export type BackfillKind = (typeof BACKFILL_KINDS)[number];

export function isBackfillKind(kind: string): kind is BackfillKind {
  return (BACKFILL_KINDS as readonly string[]).includes(kind);
}

/** Every customer the shop has, with what a profile needs (identity, names, email consent). */
export const CUSTOMERS_BULK_QUERY = `{
  customers {
    edges {
      node {
        id
        email
        phone
        firstName
        lastName
        createdAt
        updatedAt
        emailMarketingConsent { marketingState marketingOptInLevel consentUpdatedAt }
      }
    }
  }
}`;

/** `created_at:>=` filter value: the UTC day twelve calendar months before `now`. */
export function ordersSince(now: Date): string {
  const since = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 12, now.getUTCDate()));
  return since.toISOString().slice(0, 10);
}

/**
 * Orders of the last twelve months with their line items. Line items come as their own JSONL lines
 * carrying `__parentId`; the operation is started with groupObjects so they follow their order.
 */
export function ordersBulkQuery(now: Date): string {
  return `{
  orders(query: "created_at:>=${ordersSince(now)}") {
    edges {
      node {
        id
        name
        email
        createdAt
        processedAt
        updatedAt
        cancelledAt
        test
        currencyCode
        totalPriceSet { shopMoney { amount currencyCode } }
        currentTotalPriceSet { shopMoney { amount currencyCode } }
        totalRefundedSet { shopMoney { amount currencyCode } }
        customer { id email phone }
        lineItems {
          edges {
            node {
              id
              title
              variantTitle
              sku
              vendor
              quantity
              variant { id }
              product { id }
              originalUnitPriceSet { shopMoney { amount currencyCode } }
              discountAllocations { allocatedAmountSet { shopMoney { amount currencyCode } } }
            }
          }
        }
      }
    }
  }
}`;
}

/** The bulk query for a kind, and whether its output must be grouped (children right after their parent). */
export function bulkQueryFor(kind: BackfillKind, now: Date): { query: string; groupObjects: boolean } {
  switch (kind) {
    case "customers":
      return { query: CUSTOMERS_BULK_QUERY, groupObjects: false };
    case "orders":
      return { query: ordersBulkQuery(now), groupObjects: true };
  }
}

const BULK_OPERATION_FIELDS = "id status errorCode objectCount url partialDataUrl createdAt completedAt";

export const RUN_BULK_QUERY_MUTATION = `mutation RunBackfillExport($query: String!, $groupObjects: Boolean!) {
  bulkOperationRunQuery(query: $query, groupObjects: $groupObjects) {
    bulkOperation { ${BULK_OPERATION_FIELDS} }
    userErrors { field message code }
  }
}`;

export const BULK_OPERATION_QUERY = `query BackfillExportStatus($id: ID!) {
  node(id: $id) {
    ... on BulkOperation { ${BULK_OPERATION_FIELDS} }
  }
}`;
