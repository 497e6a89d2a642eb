/**
 * The double opt-in confirmation email: one button, in the storefront's language, in the shop's colours. A
 * transactional email (the person just asked for it), so no unsubscribe link and no tracking. Pure.
 */
import { escapeHtml } from "../email/liquid";

export type ConfirmationEmailInput = {
  shopName: string;
  brandColor: string;
  logoUrl: string | null;
  postalAddress: string | null;
  confirmUrl: string;
  locale: string;
  expiresInHours: number;
};

type Words = { subject: (shop: string) => string; heading: string; body: (shop: string) => string; button: string; expiry: (hours: number) => string; ignore: string };

const WORDS: Record<string, Words> = {
  en: {
    subject: (shop) => `Please confirm your subscription to ${shop}`,
    heading: "One more step",
    body: (shop) => `You signed up for emails from ${shop}. Please confirm that this is your address.`,
    button: "Confirm my subscription",
    expiry: (hours) => `This link works for ${hours} hours.`,
    ignore: "If you did not sign up, ignore this email: you will not be subscribed.",
  },
  de: {
    subject: (shop) => `Bitte bestätige deine Anmeldung bei ${shop}`,
    heading: "Noch ein Schritt",
    body: (shop) => `Du hast dich für E-Mails von ${shop} angemeldet. Bitte bestätige, dass dies deine Adresse ist.`,
    button: "Anmeldung bestätigen",
    expiry: (hours) => `Dieser Link ist ${hours} Stunden gültig.`,
    ignore: "Wenn du dich nicht angemeldet hast, ignoriere diese E-Mail: Du wirst nicht angemeldet.",
  },
  fr: {
    subject: (shop) => `Confirmez votre inscription à ${shop}`,
    heading: "Encore une étape",
    body: (shop) => `Vous vous êtes inscrit aux e-mails de ${shop}. Confirmez qu'il s'agit bien de votre adresse.`,
    button: "Confirmer mon inscription",
    expiry: (hours) => `Ce lien est valable ${hours} heures.`,
    ignore: "Si vous ne vous êtes pas inscrit, ignorez cet e-mail : vous ne serez pas inscrit.",
  },
  es: {
    subject: (shop) => `Confirma tu suscripción a ${shop}`,
    heading: "Un paso más",
    body: (shop) => `Te has suscrito a los correos de ${shop}. Confirma que esta es tu dirección.`,
    button: "Confirmar mi suscripción",
    expiry: (hours) => `Este enlace es válido durante ${hours} horas.`,
    ignore: "Si no te has suscrito, ignora este correo: no se te suscribirá.",
  },
};

export function confirmationEmail(input: ConfirmationEmailInput): { subject: string; html: string; text: string } {
  const words = WORDS[input.locale.split("-")[0]!.toLowerCase()] ?? WORDS.en!;
  const shop = escapeHtml(input.shopName);
  const url = escapeHtml(input.confirmUrl);
  const color = /^#[0-9a-f]{6}$/i.test(input.brandColor) ? input.brandColor : "#1a1a1a";
  const logo = input.logoUrl ? `<img src="${escapeHtml(input.logoUrl)}" alt="${shop}" height="40" style="display:block;margin:0 auto 24px;max-height:40px">` : "";
  const address = input.postalAddress ? `<p style="margin:24px 0 0;font-size:12px;color:#6b6b6b">${escapeHtml(input.postalAddress).replace(/\n/g, "<br>")}</p>` : "";
  const html = `<!doctype html>
<html lang="${escapeHtml(input.locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(words.subject(input.shopName))}</title></head>
<body style="margin:0;background:#f4f4f4;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#1a1a1a">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f4"><tr><td align="center" style="padding:32px 16px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:520px;background:#ffffff;border-radius:8px"><tr><td style="padding:32px;text-align:center">
${logo}<h1 style="margin:0 0 16px;font-size:22px">${escapeHtml(words.heading)}</h1>
<p style="margin:0 0 24px;font-size:16px;line-height:1.5">${escapeHtml(words.body(input.shopName))}</p>
<a href="${url}" style="display:inline-block;padding:12px 24px;border-radius:6px;background:${color};color:#ffffff;text-decoration:none;font-weight:600">${escapeHtml(words.button)}</a>
<p style="margin:24px 0 0;font-size:13px;color:#4a4a4a">${escapeHtml(words.expiry(input.expiresInHours))} ${escapeHtml(words.ignore)}</p>
${address}
</td></tr></table>
</td></tr></table>
</body></html>
`;
  const text = [words.heading, "", words.body(input.shopName), "", `${words.button}: ${input.confirmUrl}`, "", `${words.expiry(input.expiresInHours)} ${words.ignore}`, ...(input.postalAddress ? ["", input.postalAddress] : [])].join("\n");
  return { subject: words.subject(input.shopName), html, text };
}
