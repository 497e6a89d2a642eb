import { BlockStack, Button, ButtonGroup, Card, InlineError, InlineStack, Select, Text, TextField } from "@shopify/polaris";
import type { Block, BlockType } from "../domain/email/content";

export const BLOCK_LABELS: Record<BlockType, string> = {
  heading: "Heading",
  text: "Text",
  image: "Image",
  button: "Button",
  product_grid: "Product grid",
  discount_code: "Discount code",
  divider: "Divider",
  footer: "Footer",
};

/** What a newly added block of each type starts with. */
export function newBlock(type: BlockType): Block {
  switch (type) {
    case "heading":
      return { type, text: "New heading" };
    case "text":
      return { type, text: "" };
    case "image":
      return { type, src: "", alt: "" };
    case "button":
      return { type, label: "Shop now", href: "{{ shop.url }}" };
    case "product_grid":
      return { type, source: "checkout_items", columns: 2 };
    case "discount_code":
      return { type, text: "Use this code at checkout:" };
    case "divider":
      return { type };
    case "footer":
      return { type };
  }
}

const SOURCES = [
  { label: "Items in the checkout", value: "checkout_items" },
  { label: "Items in the order", value: "order_items" },
  { label: "The viewed product", value: "viewed_product" },
];

type FieldError = (field: string) => string | undefined;

/** The fields each block's form shows as text boxes, where a problem with that field is shown. */
const TEXT_FIELDS: Record<BlockType, string[]> = {
  heading: ["text"],
  text: ["text"],
  image: ["src", "alt", "href"],
  button: ["label", "href"],
  product_grid: [],
  discount_code: ["text"],
  divider: [],
  footer: ["text"],
};

function Fields({ block, onChange, error }: { block: Block; onChange: (block: Block) => void; error: FieldError }) {
  const text = (
    label: string,
    value: string,
    set: (v: string) => void,
    field: string,
    options: { multiline?: number; help?: string } = {}
  ) => (
    <TextField
      label={label}
      value={value}
      onChange={set}
      autoComplete="off"
      multiline={options.multiline}
      helpText={options.help}
      error={error(field)}
    />
  );
  switch (block.type) {
    case "heading":
      return (
        <BlockStack gap="200">
          {text("Heading", block.text, (t) => onChange({ ...block, text: t }), "text")}
          <Select
            label="Size"
            options={[
              { label: "Large", value: "1" },
              { label: "Medium", value: "2" },
            ]}
            value={String(block.level ?? 1)}
            onChange={(v) => onChange({ ...block, level: v === "2" ? 2 : 1 })}
          />
        </BlockStack>
      );
    case "text":
      return text("Text", block.text, (t) => onChange({ ...block, text: t }), "text", {
        multiline: 4,
        help: "A blank line starts a new paragraph.",
      });
    case "image":
      return (
        <BlockStack gap="200">
          {text("Image address", block.src, (src) => onChange({ ...block, src }), "src", {
            help: "https://… or a variable such as {{ product.image_url }}",
          })}
          {text("Description (alt text)", block.alt, (alt) => onChange({ ...block, alt }), "alt")}
          {text(
            "Link (optional)",
            block.href ?? "",
            (href) => onChange(href ? { ...block, href } : { type: "image", src: block.src, alt: block.alt }),
            "href"
          )}
        </BlockStack>
      );
    case "button":
      return (
        <BlockStack gap="200">
          {text("Label", block.label, (label) => onChange({ ...block, label }), "label")}
          {text("Link", block.href, (href) => onChange({ ...block, href }), "href", {
            help: "https://… or a variable such as {{ checkout.url }}",
          })}
        </BlockStack>
      );
    case "product_grid":
      return (
        <BlockStack gap="200">
          <Select
            label="Products"
            options={SOURCES}
            value={block.source}
            onChange={(v) => onChange({ ...block, source: v as typeof block.source })}
          />
          <InlineStack gap="200">
            <Select
              label="Columns"
              options={["1", "2", "3"]}
              value={String(block.columns ?? 2)}
              onChange={(v) => onChange({ ...block, columns: Number(v) as 1 | 2 | 3 })}
            />
            <Select
              label="At most"
              options={Array.from({ length: 12 }, (_, i) => String(i + 1))}
              value={String(block.limit ?? 6)}
              onChange={(v) => onChange({ ...block, limit: Number(v) })}
            />
          </InlineStack>
        </BlockStack>
      );
    case "discount_code":
      return text("Text before the code", block.text, (t) => onChange({ ...block, text: t }), "text", {
        help: "Shown only when the step gives the recipient a discount code.",
      });
    case "divider":
      return null;
    case "footer":
      return text(
        "Extra footer text (optional)",
        block.text ?? "",
        (t) => onChange(t ? { ...block, text: t } : { type: "footer" }),
        "text",
        {
          multiline: 2,
          help: "The shop's name, address and the unsubscribe link are always added.",
        }
      );
  }
}

/** One block of the email as a small form, with its move and remove buttons and the problems found in it. */
export function EmailBlockCard(props: {
  index: number;
  count: number;
  block: Block;
  problems: Array<{ field: string; message: string }>;
  onChange: (block: Block) => void;
  onMove: (by: -1 | 1) => void;
  onRemove: () => void;
}) {
  const { index, count, block, problems } = props;
  const fieldNames = TEXT_FIELDS[block.type] ?? [];
  const error: FieldError = (field) => {
    const messages = problems.filter((p) => p.field === field).map((p) => p.message);
    return messages.length > 0 ? messages.join(" ") : undefined;
  };
  // Problems not tied to a field this form shows (a missing field, the block as a whole) go under the block.
  const loose = problems.filter((p) => !fieldNames.includes(p.field));
  return (
    <Card>
      <BlockStack gap="300">
        <InlineStack align="space-between" blockAlign="center">
          <Text as="h3" variant="headingSm">
            {index + 1}. {BLOCK_LABELS[block.type] ?? block.type}
          </Text>
          <ButtonGroup variant="segmented">
            <Button size="slim" disabled={index === 0} onClick={() => props.onMove(-1)} accessibilityLabel={`Move block ${index + 1} up`}>
              Up
            </Button>
            <Button
              size="slim"
              disabled={index === count - 1}
              onClick={() => props.onMove(1)}
              accessibilityLabel={`Move block ${index + 1} down`}
            >
              Down
            </Button>
            <Button size="slim" tone="critical" onClick={props.onRemove} accessibilityLabel={`Remove block ${index + 1}`}>
              Remove
            </Button>
          </ButtonGroup>
        </InlineStack>
        <Fields block={block} onChange={props.onChange} error={error} />
        {loose.map((p, i) => (
          <InlineError key={i} message={p.message} fieldID={`block-${index}`} />
        ))}
      </BlockStack>
    </Card>
  );
}
