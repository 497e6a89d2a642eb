/**
 * The content each preset email ships with (the subjects match the steps in flows/preset-definitions.ts).
 * Short, warm, generic enough for any shop: no promises about shipping or returns the shop may not make.
 */
import type { Block, EmailContent } from "./content";

const FIRST_NAME = '{{ profile.first_name | default: "there" }}';
const FRIEND = '{{ profile.first_name | default: "friend" }}';

const heading = (text: string): Block => ({ type: "heading", text });
const text = (value: string): Block => ({ type: "text", text: value });
const button = (label: string, href: string): Block => ({ type: "button", label, href });
const footer: Block = { type: "footer" };

const DEFAULTS = {
  welcome_1: {
    subject: "Welcome to {{ shop.name }}",
    previewText: "Thanks for joining us, here's what to expect.",
    blocks: [
      heading(`Welcome, ${FRIEND}!`),
      text(
        "Thanks for joining {{ shop.name }}. We're really glad you're here.\n\n" +
          "You'll be the first to hear about new arrivals, restocks and subscriber-only offers. We keep our emails short and only send them when we have something worth sharing.",
      ),
      button("Start shopping", "{{ shop.url }}"),
      text("Questions? Just reply to this email. A real person reads every message."),
      footer,
    ],
  },
  welcome_2: {
    subject: "What makes {{ shop.name }} different",
    previewText: "A little about who we are and how we work.",
    blocks: [
      heading("A little about us"),
      text(
        `Hi ${FIRST_NAME},\n\n` +
          "Every product at {{ shop.name }} is chosen with care: things we'd be happy to use ourselves, made to be enjoyed for a long time.\n\n" +
          "Behind the shop is a small team that loves what it does. If you ever need a recommendation, help with an order or just want to say hello, hit reply and we'll get back to you.",
      ),
      button("Explore the shop", "{{ shop.url }}/collections/all"),
      footer,
    ],
  },
  welcome_3: {
    subject: "Our best sellers, picked for you",
    previewText: "The pieces our customers come back for again and again.",
    blocks: [
      heading("Our customers' favourites"),
      text(`Hi ${FIRST_NAME}, not sure where to start? Our best sellers are a great place to begin: the pieces our customers love most and come back for again and again.`),
      button("Shop best sellers", "{{ shop.url }}/collections/all?sort_by=best-selling"),
      footer,
    ],
  },
  browse_abandonment: {
    subject: "Still thinking it over?",
    previewText: "The item you were looking at is still here.",
    blocks: [
      heading("Still thinking about it?"),
      text(`Hi ${FIRST_NAME}, we noticed you were looking at this. It's still here whenever you're ready for another look.`),
      { type: "product_grid", source: "viewed_product", columns: 1 },
      button("Take another look", "{{ product.url | default: shop.url }}"),
      text("Have a question about it? Reply to this email and we'll help you decide."),
      footer,
    ],
  },
  abandoned_checkout_1: {
    subject: "You left something behind",
    previewText: "Your cart is saved. Pick up right where you left off.",
    blocks: [
      heading("You left something behind"),
      text(`Hi ${FIRST_NAME}, your cart is saved and waiting for you. Pick up right where you left off:`),
      { type: "product_grid", source: "checkout_items", columns: 1 },
      button("Return to your cart", "{{ checkout.url }}"),
      text("Questions about sizing, delivery or anything else? Just reply, we're happy to help."),
      footer,
    ],
  },
  abandoned_checkout_2: {
    subject: "Your cart is waiting",
    previewText: "Popular items sell out. Here's your cart again.",
    blocks: [
      heading("Your cart is waiting"),
      text(`Hi ${FIRST_NAME}, just a friendly reminder: the items in your cart are still available, but popular pieces don't stay in stock forever.`),
      { type: "product_grid", source: "checkout_items", columns: 1 },
      button("Complete your order", "{{ checkout.url }}"),
      footer,
    ],
  },
  abandoned_checkout_3: {
    subject: "10% off to finish your order",
    previewText: "A little something to help you decide.",
    blocks: [
      heading("A little something to help you decide"),
      text(`Hi ${FIRST_NAME}, we'd love for these to find a home with you, so here's a thank-you just for you.`),
      { type: "discount_code", text: "Use this code at checkout before it expires:" },
      { type: "product_grid", source: "checkout_items", columns: 1 },
      button("Complete your order", "{{ checkout.url }}"),
      footer,
    ],
  },
  thanks_first_order: {
    subject: "Thank you for your first order",
    previewText: "We're getting your order ready.",
    blocks: [
      heading(`Thank you, ${FRIEND}!`),
      text(
        "Your first order{% if order.name %} {{ order.name }}{% endif %} is in, and it means a lot to us. Welcome to {{ shop.name }}!\n\n" +
          "We're getting everything ready now and you'll hear from us as soon as it's on its way.",
      ),
      { type: "product_grid", source: "order_items", columns: 1 },
      text("If anything isn't right, just reply to this email and we'll sort it out."),
      footer,
    ],
  },
  thanks_repeat_order: {
    subject: "Thanks for coming back",
    previewText: "It's great to see you again.",
    blocks: [
      heading(`Great to see you again, ${FRIEND}!`),
      text(
        "Thanks for your order{% if order.name %} {{ order.name }}{% endif %}. Customers who come back are the best compliment a shop can get.\n\n" +
          "We're preparing everything now and will let you know when it ships.",
      ),
      { type: "product_grid", source: "order_items", columns: 1 },
      footer,
    ],
  },
  review_request: {
    subject: "How do you like it?",
    previewText: "We'd love to hear what you think.",
    blocks: [
      heading("How do you like it?"),
      text(
        `Hi ${FIRST_NAME}, you've had your order for a little while now and we'd love to know what you think.\n\n` +
          "Your honest feedback helps other shoppers choose, and helps us keep getting better. Just reply to this email: it only takes a minute.",
      ),
      { type: "product_grid", source: "order_items", columns: 1 },
      footer,
    ],
  },
  cross_sell: {
    subject: "Picked to go with your order",
    previewText: "A few favourites that pair well with what you bought.",
    blocks: [
      heading("Picked to go with your order"),
      text(
        `Hi ${FIRST_NAME}, we hope you're enjoying your {{ order.line_items.first.title | default: "recent order" }}. ` +
          "We've picked out a few favourites that go beautifully with it.",
      ),
      button("Explore more", "{{ shop.url }}/collections/all"),
      footer,
    ],
  },
  replenishment: {
    subject: "Time to restock?",
    previewText: "Running low? Reorder in a couple of clicks.",
    blocks: [
      heading("Running low?"),
      text(`Hi ${FIRST_NAME}, based on your last order you might be getting close to the end of it. Restock now so you never run out.`),
      { type: "product_grid", source: "order_items", columns: 1 },
      button("Reorder now", "{{ shop.url }}"),
      footer,
    ],
  },
  winback_1: {
    subject: "We miss you",
    previewText: "There's a lot that's new since your last visit.",
    blocks: [
      heading(`We miss you, ${FRIEND}`),
      text("It's been a while since your last order, and there's plenty that's new at {{ shop.name }}: fresh arrivals, restocked favourites and a few things we think you'll love."),
      button("See what's new", "{{ shop.url }}/collections/all?sort_by=created-descending"),
      footer,
    ],
  },
  winback_2: {
    subject: "15% off your next order",
    previewText: "A welcome-back gift, just for you.",
    blocks: [
      heading("A welcome-back gift"),
      text(`Hi ${FIRST_NAME}, we'd love to see you again, so here's a little something to make your next order even better.`),
      { type: "discount_code", text: "Use this code at checkout:" },
      button("Shop now", "{{ shop.url }}"),
      footer,
    ],
  },
  sunset_repermission: {
    subject: "Do you still want to hear from us?",
    previewText: "We only want to be in your inbox if you want us there.",
    blocks: [
      heading("Should we keep in touch?"),
      text(
        `Hi ${FIRST_NAME}, we haven't seen you open our emails in a while, and we only want to be in your inbox if you want us there.\n\n` +
          "If you'd like to keep hearing about new arrivals and offers, tell us with one click. If not, no hard feelings: we'll stop emailing you soon.",
      ),
      button("Yes, keep me subscribed", "{{ links.preferences }}"),
      footer,
    ],
  },
} satisfies Record<string, EmailContent>;

export type DefaultTemplateId = keyof typeof DEFAULTS;
export const DEFAULT_TEMPLATE_IDS = Object.keys(DEFAULTS) as DefaultTemplateId[];

/** The preset's default content for `templateId`, or null when it has none (a copy, safe to edit). */
export function defaultEmailContent(templateId: string): EmailContent | null {
  if (!Object.hasOwn(DEFAULTS, templateId)) return null;
  return structuredClone(DEFAULTS[templateId as DefaultTemplateId]) as EmailContent;
}
