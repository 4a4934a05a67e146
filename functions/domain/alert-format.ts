import type { Alert } from './alert.ts';

/**
 * How an alert reads on a phone and in a mailbox. Pure: no I/O, no clock (the alert carries its
 * time). The SNS adapter sends all renderings in one publish (`MessageStructure: json`); each
 * subscriber gets the one for its protocol.
 *
 * SMS: at most {@link SMS_MAX} characters, all from the GSM 03.38 basic alphabet. One character
 * outside it (a "≥", a curly quote, an emoji) makes the carrier send UCS-2, where a segment holds
 * 70 characters instead of 160, so the same alert costs two or three SMS. Extension characters
 * (`[ ] { } ^ ~ | \ €`) are GSM-7 but count double, so they are replaced too.
 */

/** Alert kinds, including the watchdog's `dead-man` (not yet in `Alert['kind']` of domain/alert.ts). */
export type AlertKind = Alert['kind'] | 'dead-man';

/** An alert as domain/alert.ts defines it, with the watchdog's kind allowed. */
export type FormattableAlert = Omit<Alert, 'kind'> & { kind: AlertKind };

/** Where the deployment's state lives: makes the re-arm command in emails copy-pasteable. */
export interface AlertContext {
  /** DynamoDB table name (the stack output `TableName`). */
  readonly tableName?: string;
  readonly region?: string;
}

export interface FormattedAlert {
  /** Email subject: ASCII, one line, under 100 characters (SNS rejects anything else). */
  subject: string;
  /** ≤ 140 characters of GSM-7 basic alphabet, one line. */
  sms: string;
  /** Full plain-text body: what happened, every number, reasons, orders, what to do next. */
  email: string;
  /** The alert as JSON, for HTTPS webhooks. */
  json: string;
}

/**
 * Money as every alert shows it: thousands separators, two decimals, the currency.
 * @example money(8400.581) === '8,400.58 USDT'; money(null) === '—'
 */
export const money = (x: number | null | undefined, currency = 'USDT'): string =>
  x === null || x === undefined || !Number.isFinite(x)
    ? '—'
    : `${x.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })} ${currency}`;

/** Longest SMS text we produce. SNS prefixes the topic display name ("riskguard> "), still ≤ 160. */
export const SMS_MAX = 140;
/** SNS: subjects must be shorter than 100 characters. */
export const SUBJECT_MAX = 99;

/** The 127 printable characters (plus LF/CR) of the GSM 03.38 default alphabet, in table order. */
export const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
const GSM7_SET = new Set(Array.from(GSM7_BASIC));

/** Characters of the GSM-7 extension table: legal, but each costs two septets. */
export const GSM7_EXTENSION = '^{}\\[~]|€\f';

/** True when every character is in the GSM-7 basic alphabet (so one character = one septet). */
export const isGsm7Basic = (text: string): boolean => Array.from(text).every((c) => GSM7_SET.has(c));

const REPLACEMENTS: Record<string, string> = {
  '≥': '>=',
  '≤': '<=',
  '≠': '!=',
  '≈': '=',
  '−': '-',
  '–': '-',
  '—': '-',
  '‒': '-',
  '―': '-',
  '‐': '-',
  '‑': '-',
  '×': 'x',
  '÷': '/',
  '…': '...',
  '‘': "'",
  '’': "'",
  '‚': "'",
  '‛': "'",
  '′': "'",
  '`': "'",
  '´': "'",
  '“': '"',
  '”': '"',
  '„': '"',
  '″': '"',
  '«': '"',
  '»': '"',
  '•': '*',
  '·': '.',
  '→': '->',
  '←': '<-',
  '⇒': '=>',
  '↑': 'up ',
  '↓': 'down ',
  '±': '+/-',
  '∞': 'inf',
  '°': ' deg',
  '€': 'EUR',
  '[': '(',
  ']': ')',
  '{': '(',
  '}': ')',
  '\\': '/',
  '|': '/',
  '^': '',
  '~': '-',
  '\f': ' ',
  '\t': ' ',
  '\n': ' ',
  '\r': ' ',
};

/** Emoji, joiners and other invisible marks: dropped rather than shown as "?". */
const INVISIBLE = /[\p{Extended_Pictographic}\p{Cf}\u{FE0E}\u{FE0F}\u{20E3}]/u;

/**
 * Rewrites text into the GSM-7 basic alphabet on one line: known symbols get ASCII spellings
 * ("≥" → ">=", "−" → "-"), accented letters lose their accent unless GSM-7 has them ("ç" → "c",
 * "é" stays), emoji vanish, anything else becomes "?". Whitespace runs collapse to one space.
 * @example toGsm7('margin ratio 0.87 ≥ 0.85 — closing “all”') === 'margin ratio 0.87 >= 0.85 - closing "all"'
 */
export function toGsm7(text: string): string {
  let out = '';
  for (const ch of text) {
    const mapped = REPLACEMENTS[ch];
    if (mapped !== undefined) out += mapped;
    else if (GSM7_SET.has(ch)) out += ch;
    else if (/\s/u.test(ch)) out += ' ';
    else if (INVISIBLE.test(ch)) continue;
    else {
      const base = ch.normalize('NFKD').replace(/\p{M}/gu, '');
      out += base.length > 0 && Array.from(base).every((c) => GSM7_SET.has(c)) ? base : '?';
    }
  }
  return out.replace(/ {2,}/g, ' ').trim();
}

/** Printable ASCII on one line (for SNS subjects). */
function toAsciiLine(text: string): string {
  return toGsm7(text)
    .replace(/[^\x20-\x7e]/g, (c) => {
      const base = c.normalize('NFKD').replace(/\p{M}/gu, '');
      return /^[\x20-\x7e]+$/.test(base) ? base : c === '£' ? 'GBP' : c === '¥' ? 'JPY' : '?';
    })
    .replace(/ {2,}/g, ' ')
    .trim();
}

/** Cuts to `max` characters, ending with "..." when something was cut. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 3).trimEnd()}...`;
}

interface KindWording {
  /** Short tag for SMS, e.g. "UP DANGER". */
  sms: (level: string) => string;
  /** Headline for the subject and the first line of the email. */
  headline: (level: string) => string;
  /** What the reader should do or check, one line each. */
  next: string[];
  /** Show the re-arm command. */
  rearm: boolean;
}

const WORDING: Record<AlertKind, KindWording> = {
  escalation: {
    sms: (l) => `UP ${l}`,
    headline: (l) => `escalated to ${l}`,
    next: ['The guard acts on its own at this level as the policy says; the lines above list what it did.'],
    rearm: false,
  },
  'de-escalation': {
    sms: (l) => `DOWN ${l}`,
    headline: (l) => `eased to ${l}`,
    next: ['Risk has come down; no action needed.'],
    rearm: false,
  },
  'all-clear': {
    sms: () => 'ALL CLEAR',
    headline: () => 'all clear (OK)',
    next: ['Back to OK; no action needed.'],
    rearm: false,
  },
  reminder: {
    sms: (l) => `STILL ${l}`,
    headline: (l) => `still ${l}`,
    next: ['The account has stayed above OK since the last alert.'],
    rearm: false,
  },
  trip: {
    sms: (l) => `TRIPPED ${l}`,
    headline: (l) => `TRIPPED at ${l}: positions cut`,
    next: [
      'The guard placed reduce-only orders (listed above) and halted automatic trading on this account.',
      'Check the account on the exchange before re-arming.',
    ],
    rearm: true,
  },
  residual: {
    sms: () => 'CLOSE INCOMPLETE',
    headline: () => 'close INCOMPLETE: positions still open',
    next: ['Some positions could not be closed (listed above): close them on the exchange by hand NOW.'],
    rearm: true,
  },
  blind: {
    sms: () => 'BLIND',
    headline: () => 'guard cannot see the account',
    next: [
      'No order is placed while the data cannot be trusted.',
      'Check: the exchange status page; the API key (read + trade permission); that the deployment region can reach the exchange (HTTP 451 means a restricted location); the guard function logs.',
    ],
    rearm: false,
  },
  auth: {
    sms: () => 'API KEY REJECTED',
    headline: () => 'exchange rejected the API key',
    next: [
      'The guard cannot see or protect this account until the key is fixed.',
      'Put a valid key in the SSM parameter (aws ssm put-parameter --type SecureString --overwrite ...), then update the guard function so it reads it again (cdk deploy, or any configuration change).',
    ],
    rearm: false,
  },
  liquidation: {
    sms: () => 'LIQUIDATED',
    headline: () => 'exchange LIQUIDATED a position',
    next: ['Review the account on the exchange; the guard keeps watching the rest.'],
    rearm: true,
  },
  'dead-man': {
    sms: () => 'GUARD DOWN',
    headline: () => 'guard is not protecting this account',
    next: [
      'No successful tick within the expected time: the guard is failing, timing out or not being invoked.',
      'Check: the guard function logs and errors in CloudWatch, its EventBridge Scheduler schedule, and the dead-letter queue.',
      'Until it recovers, watch the account yourself.',
    ],
    rearm: false,
  },
  test: {
    sms: () => 'TEST',
    headline: () => 'test alert',
    next: ['If this arrived by every channel you expect (email, SMS, webhook), delivery works.'],
    rearm: false,
  },
  info: {
    sms: () => 'INFO',
    headline: () => 'notice',
    next: [],
    rearm: false,
  },
};

/**
 * The command that re-arms a halted account, with the deployment's table and region when known.
 * @example rearmCommand('main', { tableName: 'T', region: 'ap-northeast-1' })
 *   === 'npx riskguard rearm --account main --by NAME --reason TEXT --table T --region ap-northeast-1'
 */
export function rearmCommand(accountId: string, ctx: AlertContext = {}): string {
  return `npx riskguard rearm --account ${accountId} --by NAME --reason TEXT --table ${ctx.tableName ?? 'TABLE'} --region ${ctx.region ?? 'REGION'}`;
}

/** The account states that outrank what happened, as the guard writes them first in a summary. */
const STATE_TAG = /^(HALTED|PAUSED \(orders withheld\)|DRY RUN: would [^|]+?) \| (.*)$/s;

/**
 * Splits "HALTED | EMERGENCY → OK: …" into the state and the rest, so the state leads the SMS
 * and the subject, ahead of the kind's tag ("DOWN OK" must not read as "all fine").
 */
export function splitStateTag(summary: string): { tag: string | null; rest: string } {
  const m = STATE_TAG.exec(summary);
  return m ? { tag: m[1]!, rest: m[2]! } : { tag: null, rest: summary };
}

/**
 * The SMS text: account, the account state that matters (HALTED, PAUSED, DRY RUN) when there is
 * one, what happened, then the alert's one-line summary (number + action).
 * @example smsText({ accountId: 'main', kind: 'de-escalation', level: 'OK', summary: 'HALTED | EMERGENCY → OK: flat', … })
 *   === 'main HALTED - DOWN OK: EMERGENCY -> OK: flat'
 */
export function smsText(a: FormattableAlert): string {
  const w = WORDING[a.kind];
  const { tag, rest } = splitStateTag(a.summary);
  return clip(toGsm7(`${a.accountId} ${tag ? `${tag} - ` : ''}${w.sms(a.level)}: ${rest}`), SMS_MAX);
}

/** Renders one alert for every channel. */
export function formatAlert(a: FormattableAlert, ctx: AlertContext = {}): FormattedAlert {
  const w = WORDING[a.kind];
  const headline = w.headline(a.level);
  const state = splitStateTag(a.summary);
  const time = new Date(a.at).toISOString().replace('T', ' ').replace(/\.\d{3}Z$/, ' UTC');
  const lines = [
    `riskguard - account ${a.accountId} - ${headline}`,
    `Level: ${a.level}    Time: ${time}`,
    '',
    a.summary,
  ];
  if (a.body.trim().length > 0) lines.push('', a.body.trimEnd());
  if (w.next.length > 0) lines.push('', 'What to do:', ...w.next.map((n) => `  - ${n}`));
  if (w.rearm || a.level === 'EMERGENCY') {
    lines.push('', 'To re-arm automatic protection once the account is safe:', `  ${rearmCommand(a.accountId, ctx)}`);
  }
  return {
    subject: clip(toAsciiLine(`riskguard ${a.accountId}: ${state.tag ? `${state.tag} - ` : ''}${headline} - ${state.rest}`), SUBJECT_MAX),
    sms: smsText(a),
    email: `${lines.join('\n')}\n`,
    json: JSON.stringify({ ...a, time: new Date(a.at).toISOString(), headline }),
  };
}
