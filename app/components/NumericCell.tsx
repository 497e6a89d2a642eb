import { IndexTable, Text } from "@shopify/polaris";

/** A right-aligned, tabular-figure table cell for counts and money. */
export function NumericCell({ children }: { children: string | number }) {
  return (
    <IndexTable.Cell>
      <Text as="span" alignment="end" numeric>
        {children}
      </Text>
    </IndexTable.Cell>
  );
}
