/**
 * An email's content as the editor saves it: subject, preview text and a list of blocks. Every string a merchant
 * writes may hold Liquid (checked by validateTemplateSource at compile time); the schema only bounds shapes and
 * sizes, so a stored definition can never make the renderer allocate without limit.
 */
import { z } from "zod";

export const MAX_BLOCKS = 50;

/** Link and image targets: a web, mail or phone address, or Liquid that yields one ({{ checkout.url }}). */
const LIQUID_START = /^\s*\{[{%]/;
const linkTarget = z
  .string()
  .trim()
  .min(1, "Add a link")
  .max(2048)
  .refine((value) => LIQUID_START.test(value) || /^(https?:\/\/|mailto:|tel:)/i.test(value), {
    message: "A link must start with https://, http://, mailto: or tel:, or be a variable such as {{ checkout.url }}",
  });
const imageSource = z
  .string()
  .trim()
  .min(1, "Add an image address")
  .max(2048)
  .refine((value) => LIQUID_START.test(value) || /^https?:\/\//i.test(value), {
    message: "An image address must start with https:// (or be a variable such as {{ product.image_url }})",
  });

export const PRODUCT_SOURCES = ["checkout_items", "order_items", "viewed_product"] as const;
export type ProductSource = (typeof PRODUCT_SOURCES)[number];

export const blockSchema = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("heading"), text: z.string().max(300), level: z.union([z.literal(1), z.literal(2)]).optional() }),
  /** Plain text with Liquid: a blank line starts a paragraph, a single newline is a line break. */
  z.strictObject({ type: z.literal("text"), text: z.string().max(5000) }),
  z.strictObject({ type: z.literal("image"), src: imageSource, alt: z.string().max(300), href: linkTarget.optional() }),
  z.strictObject({ type: z.literal("button"), label: z.string().trim().min(1, "A button needs a label").max(100), href: linkTarget }),
  z.strictObject({
    type: z.literal("product_grid"),
    source: z.enum(PRODUCT_SOURCES),
    columns: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    limit: z.number().int().min(1).max(12).optional(),
  }),
  /** Shown only when the recipient has a discount code; `text` introduces the code. */
  z.strictObject({ type: z.literal("discount_code"), text: z.string().max(500) }),
  z.strictObject({ type: z.literal("divider") }),
  /** Extra footer text; the shop's name, address and the unsubscribe links are always added. */
  z.strictObject({ type: z.literal("footer"), text: z.string().max(1000).optional() }),
]);

export type Block = z.infer<typeof blockSchema>;
export type BlockType = Block["type"];
export const BLOCK_TYPES: readonly BlockType[] = [
  "heading",
  "text",
  "image",
  "button",
  "product_grid",
  "discount_code",
  "divider",
  "footer",
];

export const emailContentSchema = z.strictObject({
  subject: z.string().trim().min(1, "Add a subject").max(300),
  previewText: z.string().max(300),
  blocks: z.array(blockSchema).max(MAX_BLOCKS, `An email has at most ${MAX_BLOCKS} blocks`),
});

export type EmailContent = z.infer<typeof emailContentSchema>;
