import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { credentialsFromEnv, type AccountConfig } from '../config.ts';
import { ConfigError, RiskGuardError } from '../errors.ts';
import { registerSecret } from '../redact.ts';
import { venueFacts } from '../venues/catalog.ts';
import { storedCredentialsSchema, storedExample, type CredentialSpec } from '../venues/credential-spec.ts';

/** An account's loaded credentials, fields as its venue names them (`{ apiKey, secret }` on Binance). Never logged. */
export type ExchangeCredentials = Record<string, string>;

/** The stored key could not be read or does not have the expected shape. Carries no secret. */
export class CredentialsError extends RiskGuardError {}

export interface CredentialsLoaderOptions {
  /** @default `new SSMClient({})`, created on first use */
  readonly ssm?: SSMClient;
  /** @default `new SecretsManagerClient({})`, created on first use */
  readonly secretsManager?: SecretsManagerClient;
  /** Where `apiKeyEnv`/`secretEnv` are looked up when neither store is named. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Loads each account's exchange key once per process and caches it (in the Lambda: once per cold
 * start). Order: `parameterName` (SSM SecureString, decrypted by SSM), else `secretName`
 * (Secrets Manager), else the environment variables the config names (local runs).
 *
 * A failed read is not cached, so the next invocation tries again. After rotating a key, call
 * `forget(accountId)` or let the Lambda start fresh containers (any configuration change does).
 */
export class CredentialsLoader {
  private readonly cache = new Map<string, Promise<ExchangeCredentials>>();
  private ssm: SSMClient | undefined;
  private secretsManager: SecretsManagerClient | undefined;
  private readonly env: NodeJS.ProcessEnv;

  constructor(opts: CredentialsLoaderOptions = {}) {
    this.ssm = opts.ssm;
    this.secretsManager = opts.secretsManager;
    this.env = opts.env ?? process.env;
  }

  /** The account's key pair, from the cache after the first successful read. */
  load(account: AccountConfig): Promise<ExchangeCredentials> {
    let pending = this.cache.get(account.id);
    if (!pending) {
      // Registered by value as loaded: no log line, alert or audit event of this process shows them.
      const spec = venueFacts(account.exchange).credentials;
      pending = this.read(account, spec).then((c) => {
        registerSecret(...spec.secret.map((f) => c[f]));
        return c;
      });
      this.cache.set(account.id, pending);
      pending.catch(() => this.cache.delete(account.id));
    }
    return pending;
  }

  /** Drops the cached key of one account (e.g. after the exchange rejected it). */
  forget(accountId: string): void {
    this.cache.delete(accountId);
  }

  private async read(account: AccountConfig, spec: CredentialSpec): Promise<ExchangeCredentials> {
    const c = account.credentials;
    if (c.parameterName !== undefined) {
      this.ssm ??= new SSMClient({});
      const where = `SSM parameter ${c.parameterName}`;
      const out = await this.fetch(where, account.id, () =>
        this.ssm!.send(new GetParameterCommand({ Name: c.parameterName, WithDecryption: true })),
      );
      return parseStored(out.Parameter?.Value, where, account.id, spec);
    }
    if (c.secretName !== undefined) {
      this.secretsManager ??= new SecretsManagerClient({});
      const where = `secret ${c.secretName}`;
      const out = await this.fetch(where, account.id, () =>
        this.secretsManager!.send(new GetSecretValueCommand({ SecretId: c.secretName })),
      );
      return parseStored(out.SecretString, where, account.id, spec);
    }
    return credentialsFromEnv(account, 0, this.env);
  }

  private async fetch<T>(where: string, accountId: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (err) {
      // SDK errors name the resource and the missing permission, never the value: safe to keep.
      const why = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      throw new CredentialsError(`account ${accountId}: cannot read the exchange key from ${where} (${why})`, { cause: err });
    }
  }
}

/** Parses the stored JSON without ever echoing it (JSON.parse messages quote the input). */
function parseStored(value: string | undefined, where: string, accountId: string, spec: CredentialSpec): ExchangeCredentials {
  const example = storedExample(spec);
  if (value === undefined || value === '') {
    throw new CredentialsError(`account ${accountId}: ${where} is empty`);
  }
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    throw new ConfigError(
      `account ${accountId}: ${where} is not JSON; store it as ${example} (value not shown)`,
    );
  }
  const parsed = storedCredentialsSchema(spec).safeParse(json);
  if (!parsed.success) {
    // Paths and messages only: zod issues on strings never include the value.
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(value)'}: ${i.message}`).join('; ');
    throw new ConfigError(`account ${accountId}: ${where} must hold ${example}: ${issues}`);
  }
  return parsed.data as ExchangeCredentials;
}
