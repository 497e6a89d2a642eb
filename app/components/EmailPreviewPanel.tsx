import { Banner, BlockStack, Box, Button, Card, InlineStack, Select, Text, TextField } from "@shopify/polaris";

/** The email editor's right column: who the preview is for, the rendered email, and the test send. */
export function EmailPreviewPanel(props: {
  html: string;
  subject: string;
  updating: boolean;
  error: string | null;
  query: string;
  onQuery: (query: string) => void;
  profiles: Array<{ id: string; label: string }>;
  profile: string;
  onProfile: (id: string) => void;
  testTo: string;
  onTestTo: (to: string) => void;
  sending: boolean;
  sent: { ok: boolean; message: string } | null;
  onSendTest: () => void;
}) {
  const options = [{ label: "Sample data", value: "" }, ...props.profiles.map((p) => ({ label: p.label, value: p.id }))];
  return (
    <BlockStack gap="400">
      <Card>
        <BlockStack gap="300">
          <InlineStack align="space-between">
            <Text as="h2" variant="headingMd">
              Preview
            </Text>
            {props.updating ? (
              <Text as="span" tone="subdued">
                Updating…
              </Text>
            ) : null}
          </InlineStack>
          <TextField
            label="Find a customer"
            value={props.query}
            onChange={props.onQuery}
            autoComplete="off"
            maxLength={100}
            placeholder="Email or name"
          />
          <Select label="Preview for" options={options} value={props.profile} onChange={props.onProfile} />
          {props.error ? <Banner tone="critical">{props.error}</Banner> : null}
          <Text as="p" variant="bodySm" tone="subdued">
            Subject: {props.subject}
          </Text>
        </BlockStack>
      </Card>
      <Card padding="0">
        {/* The merchant's template with customer data: an empty sandbox, no scripts, no same-origin access. */}
        <iframe
          title="Email preview"
          sandbox=""
          srcDoc={props.html}
          referrerPolicy="no-referrer"
          style={{ display: "block", width: "100%", height: 560, border: 0 }}
        />
      </Card>
      <Card>
        <BlockStack gap="200">
          <TextField
            label="Send a test to"
            type="email"
            value={props.testTo}
            onChange={props.onTestTo}
            autoComplete="email"
            maxLength={254}
          />
          <InlineStack gap="200" blockAlign="center">
            <Button loading={props.sending} disabled={!props.testTo} onClick={props.onSendTest}>
              Send test email
            </Button>
            {props.sent ? (
              <Text as="span" tone={props.sent.ok ? "success" : "critical"}>
                {props.sent.message}
              </Text>
            ) : null}
          </InlineStack>
        </BlockStack>
      </Card>
      <Box>
        <Text as="p" variant="bodySm" tone="subdued">
          Variables: {"{{ profile.first_name }}"}, {"{{ shop.name }}"}, {"{{ shop.url }}"}, {"{{ checkout.url }}"}, {"{{ product.title }}"},{" "}
          {"{{ order.name }}"}, {"{{ discount.code }}"}, {"{{ links.preferences }}"}. Add a fallback with{" "}
          {'{{ profile.first_name | default: "there" }}'}.
        </Text>
      </Box>
    </BlockStack>
  );
}
