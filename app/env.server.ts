import { isDemoLoginEnabled as demoLoginEnabledFor, loadEnv, type Env } from "./env.schema";

/** The one place that reads process.env: validated once at boot, imported everywhere else. */
export const env: Env = loadEnv(process.env);

export type { Env };

/** Demo login for this process's environment (see env.schema.ts). */
export function isDemoLoginEnabled(): boolean {
  return demoLoginEnabledFor(env);
}
