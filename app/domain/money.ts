/** Money is integer minor units (bigint) plus an ISO 4217 currency; these helpers never go through floats. */

// ISO 4217 minor units where they are not 2. Intl's digits are display digits (CLDR shows IDR with 0),
// not the currency's minor unit, so they cannot define what a stored amount means.
const MINOR_UNITS: Record<string, number> = {
  BIF: 0, CLP: 0, DJF: 0, GNF: 0, ISK: 0, JPY: 0, KMF: 0, KRW: 0, PYG: 0, RWF: 0, UGX: 0, UYI: 0, VND: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0,
  BHD: 3, IQD: 3, JOD: 3, KWD: 3, LYD: 3, OMR: 3, TND: 3,
  CLF: 4, UYW: 4,
};

/** Minor-unit digits of an ISO 4217 currency (USD 2, JPY 0, KWD 3). */
export function currencyFractionDigits(currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency)) throw new Error(`Not an ISO 4217 currency code: ${JSON.stringify(currency)}`);
  return MINOR_UNITS[currency] ?? 2;
}

/** "19.99" (Shopify's decimal strings) -> 1999n for USD; rejects anything that is not a plain decimal. */
export function toMinorUnits(amount: string, currency: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(amount.trim());
  if (!match) throw new Error(`Not a decimal amount: ${JSON.stringify(amount)}`);
  const [, sign, whole, fraction = ""] = match;
  const digits = currencyFractionDigits(currency);
  if (fraction.length > digits && /[1-9]/.test(fraction.slice(digits))) {
    throw new Error(`${amount} has more precision than ${currency} allows`);
  }
  const minor = BigInt(whole + fraction.slice(0, digits).padEnd(digits, "0"));
  return sign === "-" ? -minor : minor;
}

/** 1999n USD -> "19.99": the exact decimal string. */
export function toDecimalString(minor: bigint, currency: string): string {
  const digits = currencyFractionDigits(currency);
  const negative = minor < 0n;
  const text = (negative ? -minor : minor).toString().padStart(digits + 1, "0");
  const whole = text.slice(0, text.length - digits);
  const fraction = digits > 0 ? `.${text.slice(text.length - digits)}` : "";
  return `${negative ? "-" : ""}${whole}${fraction}`;
}

/** Localised display, e.g. "$1,234.50"; exact for any size (Intl formats decimal strings). */
export function formatMoney(minor: bigint, currency: string, locale = "en-US"): string {
  return moneyFormat(locale, currency).format(toDecimalString(minor, currency) as unknown as number);
}

// Building an Intl.NumberFormat costs far more than using one (about a millisecond on a busy machine), and a page
// formats dozens of amounts in a handful of currencies.
const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(locale: string, currency: string): Intl.NumberFormat {
  const key = `${locale}|${currency}`;
  let format = moneyFormats.get(key);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: "currency", currency });
    moneyFormats.set(key, format);
  }
  return format;
}
