import * as z from 'zod';

/**
 * How a venue's credentials are named and stored. Locally the config names one environment
 * variable per field (`apiKeyEnv` → `apiKey`); in the cloud an SSM SecureString parameter or a
 * Secrets Manager secret holds the fields as JSON (`{"apiKey": "...", "secret": "..."}`).
 * Pure zod: config.ts builds its per-venue union from these without loading any venue's client.
 */
export interface CredentialSpec<C extends Record<string, string> = Record<string, string>> {
  /** Fields every credential of this venue has, e.g. `['apiKey', 'secret']`. */
  readonly required: readonly (keyof C & string)[];
  /** Fields that may be absent (Hyperliquid's vault address). */
  readonly optional: readonly (keyof C & string)[];
  /** Which fields are secret (registered with the redactor once loaded); the rest are identifiers. */
  readonly secret: readonly (keyof C & string)[];
  /** Checks on each loaded value (a wallet address's shape), as zod string schemas. */
  readonly formats?: Partial<Record<keyof C & string, z.ZodType<string>>>;
}

const envName = () =>
  z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be an environment variable name (letters, digits, _)');

/** `apiKey` → `apiKeyEnv`: the config key naming the variable that holds a field. */
export const envKey = (field: string): string => `${field}Env`;

/** `[required..., optional...]`. */
const fieldsOf = (spec: CredentialSpec) => [...spec.required, ...spec.optional];

/**
 * The config's `credentials` object of one venue: the environment variable per field (local runs)
 * and/or `parameterName` / `secretName` (cloud), `.strict()`, every problem with its path.
 * @example credentialsConfigSchema({ required: ['apiKey', 'secret'], optional: [], secret: ['secret'] })
 *   accepts { apiKeyEnv: 'K', secretEnv: 'S' } and { parameterName: '/riskguard/main' }
 */
export function credentialsConfigSchema(spec: CredentialSpec) {
  const shape: Record<string, z.ZodType> = {
    /** Cloud: SSM SecureString parameter whose value is the credentials as JSON. */
    parameterName: z.string().regex(/^\/[A-Za-z0-9_.\-/]+$/, 'must be an SSM parameter path like /riskguard/main').optional(),
    /** Cloud alternative: Secrets Manager secret name with the same JSON. */
    secretName: z.string().min(1).optional(),
  };
  for (const f of fieldsOf(spec)) shape[envKey(f)] = envName().optional();
  const required = spec.required.map(envKey);
  return z
    .object(shape)
    .strict()
    .superRefine((c: Record<string, unknown>, ctx) => {
      const given = required.filter((k) => c[k] !== undefined);
      if (given.length > 0 && given.length < required.length) {
        const missing = required.filter((k) => c[k] === undefined);
        ctx.addIssue({ code: 'custom', path: [missing[0]!], message: `${required.join(', ')} go together` });
      }
      if (c.parameterName !== undefined && c.secretName !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['secretName'], message: 'give parameterName or secretName, not both' });
      }
      if (given.length === 0 && c.parameterName === undefined && c.secretName === undefined) {
        ctx.addIssue({ code: 'custom', path: [], message: `name where the key lives: ${required.join('/')}, parameterName or secretName` });
      }
    });
}

/** The stored JSON's schema (SSM parameter or secret value). */
export function storedCredentialsSchema(spec: CredentialSpec) {
  const shape: Record<string, z.ZodType> = {};
  for (const f of spec.required) shape[f] = spec.formats?.[f] ?? z.string().trim().min(1);
  for (const f of spec.optional) shape[f] = (spec.formats?.[f] ?? z.string().trim().min(1)).optional();
  return z.object(shape).strict();
}

/** How the stored JSON looks, for error messages: `{"apiKey":"...","secret":"..."}`. */
export const storedExample = (spec: CredentialSpec): string => `{${spec.required.map((f) => `"${f}":"..."`).join(',')}}`;

/** The environment variable names a config's credentials object gives, in field order. */
export function envNamesOf(spec: CredentialSpec, config: Record<string, unknown>): string[] {
  return fieldsOf(spec)
    .map((f) => config[envKey(f)])
    .filter((v): v is string => typeof v === 'string');
}

/**
 * Local runs: the credentials from the environment variables the config names. Returns the
 * problem as a sentence (naming variables, never values) when any required one is missing.
 */
export function credentialsFromEnvSpec<C extends Record<string, string>>(
  spec: CredentialSpec<C>,
  config: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): { ok: true; value: C } | { ok: false; problem: string } {
  const required = spec.required.map(envKey);
  if (required.some((k) => config[k] === undefined)) {
    return { ok: false, problem: `names no environment variables for local runs: add credentials.${required.join(' and credentials.')}` };
  }
  const missing = spec.required.map((f) => config[envKey(f)] as string).filter((n) => !env[n]);
  if (missing.length) return { ok: false, problem: `environment variable(s) ${missing.join(', ')} not set` };
  const value: Record<string, string> = {};
  for (const f of fieldsOf(spec)) {
    const name = config[envKey(f)];
    if (typeof name === 'string' && env[name]) value[f] = env[name]!;
  }
  for (const f of fieldsOf(spec)) {
    const check = spec.formats?.[f];
    if (check && value[f] !== undefined && !check.safeParse(value[f]).success) {
      return { ok: false, problem: `environment variable ${String(config[envKey(f)])} does not hold a valid ${f} (value not shown)` };
    }
  }
  return { ok: true, value: value as C };
}
