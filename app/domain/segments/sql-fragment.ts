/**
 * A parameterised SQL fragment: text pieces and the values between them, never values inside the text.
 * The model layer hands it to Prisma as `new Prisma.Sql(strings, values)`, which numbers the placeholders per database.
 */
export type SqlValue = string | number | boolean | Date | string[];

export class SqlFragment {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly SqlValue[],
  ) {}
}

/** Tagged template: interpolated values become parameters; interpolated fragments are spliced in. */
export function sql(strings: TemplateStringsArray | readonly string[], ...parts: Array<SqlValue | SqlFragment>): SqlFragment {
  const out: string[] = [strings[0]];
  const values: SqlValue[] = [];
  parts.forEach((part, i) => {
    if (part instanceof SqlFragment) {
      out[out.length - 1] += part.strings[0];
      for (let j = 0; j < part.values.length; j++) {
        values.push(part.values[j]);
        out.push(part.strings[j + 1]);
      }
    } else {
      values.push(part);
      out.push("");
    }
    out[out.length - 1] += strings[i + 1];
  });
  return new SqlFragment(out, values);
}

/** Trusted SQL text: only constants of this code (column names from a whitelist), never input. */
export function raw(text: string): SqlFragment {
  return new SqlFragment([text], []);
}

export function join(fragments: readonly SqlFragment[], separator: string): SqlFragment {
  if (fragments.length === 0) return raw("");
  const strings = [...fragments.slice(1).map(() => separator), ""];
  return sql([""].concat(strings), ...fragments);
}
