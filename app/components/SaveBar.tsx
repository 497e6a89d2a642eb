import { Button, InlineStack, Text } from "@shopify/polaris";

/** A form's foot: "Saved" after a successful save, and the submit button (busy while the fetcher works). */
export function SaveBar({ saved, busy, label = "Save" }: { saved: boolean; busy: boolean; label?: string }) {
  return (
    <InlineStack gap="300" blockAlign="center" align="end">
      {saved ? (
        <Text as="span" tone="success">
          Saved
        </Text>
      ) : null}
      <Button submit variant="primary" loading={busy}>
        {label}
      </Button>
    </InlineStack>
  );
}
