/**
 * What a signup form tells the person, in their storefront's language (the form posts Shopify's
 * `request.locale.iso_code`). English is the fallback for any other language. Codes are stable: a theme can show
 * its own text per code instead.
 */
import type { SignupErrorCode } from "./submission";

export type SignupMessageCode = SignupErrorCode | "subscribed" | "confirm_sent" | "already_subscribed";

type Catalogue = Record<SignupMessageCode, string>;

const en: Catalogue = {
  missing_email: "Please enter your email address.",
  invalid_email: "Please enter a valid email address, like name@example.com.",
  email_too_long: "That email address is too long.",
  fake_email: "Please use an email address you read: we will send your welcome offer there.",
  invalid_form: "This form could not be sent. Please reload the page and try again.",
  too_large: "This form could not be sent. Please reload the page and try again.",
  rate_limited: "Too many attempts. Please wait a minute and try again.",
  unknown_shop: "Signups are not open in this shop right now.",
  server_error: "Something went wrong on our side. Please try again in a moment.",
  subscribed: "Thanks for signing up! Check your inbox.",
  confirm_sent: "Almost done: we sent you an email. Click the link in it to confirm your signup.",
  already_subscribed: "You are already subscribed. Thank you!",
};

const de: Catalogue = {
  missing_email: "Bitte gib deine E-Mail-Adresse ein.",
  invalid_email: "Bitte gib eine gültige E-Mail-Adresse ein, z. B. name@beispiel.de.",
  email_too_long: "Diese E-Mail-Adresse ist zu lang.",
  fake_email: "Bitte nutze eine E-Mail-Adresse, die du liest: Dorthin schicken wir dein Willkommensangebot.",
  invalid_form: "Das Formular konnte nicht gesendet werden. Bitte lade die Seite neu und versuche es noch einmal.",
  too_large: "Das Formular konnte nicht gesendet werden. Bitte lade die Seite neu und versuche es noch einmal.",
  rate_limited: "Zu viele Versuche. Bitte warte eine Minute und versuche es dann erneut.",
  unknown_shop: "Anmeldungen sind in diesem Shop gerade nicht möglich.",
  server_error: "Bei uns ist etwas schiefgegangen. Bitte versuche es gleich noch einmal.",
  subscribed: "Danke für deine Anmeldung! Schau in dein Postfach.",
  confirm_sent: "Fast geschafft: Wir haben dir eine E-Mail geschickt. Klicke auf den Link darin, um deine Anmeldung zu bestätigen.",
  already_subscribed: "Du bist bereits angemeldet. Danke!",
};

const fr: Catalogue = {
  missing_email: "Veuillez saisir votre adresse e-mail.",
  invalid_email: "Veuillez saisir une adresse e-mail valide, par exemple nom@exemple.fr.",
  email_too_long: "Cette adresse e-mail est trop longue.",
  fake_email: "Utilisez une adresse que vous consultez : nous y enverrons votre offre de bienvenue.",
  invalid_form: "Le formulaire n'a pas pu être envoyé. Rechargez la page et réessayez.",
  too_large: "Le formulaire n'a pas pu être envoyé. Rechargez la page et réessayez.",
  rate_limited: "Trop de tentatives. Patientez une minute puis réessayez.",
  unknown_shop: "Les inscriptions ne sont pas ouvertes dans cette boutique pour le moment.",
  server_error: "Un problème est survenu de notre côté. Réessayez dans un instant.",
  subscribed: "Merci pour votre inscription ! Consultez votre boîte de réception.",
  confirm_sent: "Presque terminé : nous vous avons envoyé un e-mail. Cliquez sur le lien pour confirmer votre inscription.",
  already_subscribed: "Vous êtes déjà inscrit. Merci !",
};

const es: Catalogue = {
  missing_email: "Introduce tu dirección de correo electrónico.",
  invalid_email: "Introduce una dirección de correo válida, por ejemplo nombre@ejemplo.es.",
  email_too_long: "Esa dirección de correo es demasiado larga.",
  fake_email: "Usa una dirección que leas: allí te enviaremos tu oferta de bienvenida.",
  invalid_form: "No se pudo enviar el formulario. Recarga la página e inténtalo de nuevo.",
  too_large: "No se pudo enviar el formulario. Recarga la página e inténtalo de nuevo.",
  rate_limited: "Demasiados intentos. Espera un minuto e inténtalo de nuevo.",
  unknown_shop: "Las suscripciones no están abiertas en esta tienda ahora mismo.",
  server_error: "Algo salió mal por nuestra parte. Inténtalo de nuevo en un momento.",
  subscribed: "¡Gracias por suscribirte! Revisa tu bandeja de entrada.",
  confirm_sent: "Casi listo: te hemos enviado un correo. Haz clic en el enlace para confirmar tu suscripción.",
  already_subscribed: "Ya estás suscrito. ¡Gracias!",
};

const CATALOGUES: Record<string, Catalogue> = { en, de, fr, es };

/** "de-AT" -> the German catalogue; unknown languages -> English. */
export function signupMessage(code: SignupMessageCode, locale: string | null | undefined): string {
  const language = (locale ?? "en").split("-")[0]!.toLowerCase();
  return (CATALOGUES[language] ?? en)[code];
}

export const SIGNUP_LANGUAGES = Object.keys(CATALOGUES);
