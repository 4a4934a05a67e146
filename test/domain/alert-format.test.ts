import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formatAlert,
  GSM7_BASIC,
  GSM7_EXTENSION,
  isGsm7Basic,
  rearmCommand,
  SMS_MAX,
  smsText,
  SUBJECT_MAX,
  toGsm7,
  type AlertKind,
  type FormattableAlert,
} from '../../functions/domain/alert-format.ts';

const KINDS: AlertKind[] = [
  'escalation',
  'de-escalation',
  'all-clear',
  'reminder',
  'trip',
  'residual',
  'blind',
  'auth',
  'liquidation',
  'dead-man',
  'test',
  'info',
];

const AT = Date.UTC(2025, 9, 10, 21, 15, 0);
const alert = (over: Partial<FormattableAlert> = {}): FormattableAlert => ({
  accountId: 'main',
  kind: 'escalation',
  level: 'DANGER',
  summary: 'margin ratio 0.72 ≥ DANGER 0.70; reduced gross exposure 20 %',
  body: 'Level: WARNING → DANGER\nEquity: 10,000.00  Margin ratio: 0.7200\nReasons:\n  - cross margin ratio 0.72 ≥ DANGER 0.70',
  at: AT,
  ...over,
});

describe('toGsm7', () => {
  it.each([
    ['margin ratio 0.87 ≥ 0.85', 'margin ratio 0.87 >= 0.85'],
    ['drawdown −15 % ≤ limit', 'drawdown -15 % <= limit'],
    ['WARNING → DANGER — cut', 'WARNING -> DANGER - cut'],
    ['“all” ‘positions’ …', '"all" \'positions\' ...'],
    ['[BTC] {ETH} a|b ~x^ 5€ back\\slash', '(BTC) (ETH) a/b -x 5EUR back/slash'],
    ['façade naïve', 'facade naive'],
    ['café Ünïcode ñ', 'café Ünicode ñ'],
    ['alert 🚨 now', 'alert now'],
    ['line one\nline two\r\n\tthree', 'line one line two three'],
    ['USDⓈ-M', 'USDS-M'],
    ['价格', '??'],
  ])('rewrites %j as %j', (input, expected) => {
    expect(toGsm7(input)).toBe(expected);
  });

  it('keeps every GSM-7 basic character except line breaks', () => {
    const printable = GSM7_BASIC.replace(/[\n\r]/g, '');
    expect(toGsm7(printable)).toBe(printable.trim());
  });

  it('never outputs an extension character (they cost two septets)', () => {
    for (const ch of GSM7_EXTENSION) expect(toGsm7(`a${ch}b`)).not.toContain(ch);
  });

  it('outputs only GSM-7 basic characters for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
        expect(isGsm7Basic(toGsm7(s))).toBe(true);
      }),
    );
  });
});

describe('smsText', () => {
  it.each(KINDS)('is one GSM-7 line of at most 140 characters for %s', (kind) => {
    const sms = smsText(alert({ kind, summary: `${'very long summary with ≥ and “quotes” '.repeat(8)}end` }));
    expect(sms.length).toBeLessThanOrEqual(SMS_MAX);
    expect(isGsm7Basic(sms)).toBe(true);
    expect(sms).not.toMatch(/[\n\r]/);
    expect(sms.endsWith('...')).toBe(true);
  });

  it('names the account, the level and carries the number and the action', () => {
    expect(smsText(alert())).toBe('main UP DANGER: margin ratio 0.72 >= DANGER 0.70; reduced gross exposure 20 %');
  });

  it.each<[AlertKind, string, string]>([
    ['escalation', 'DANGER', 'main UP DANGER: x'],
    ['de-escalation', 'WARNING', 'main DOWN WARNING: x'],
    ['all-clear', 'OK', 'main ALL CLEAR: x'],
    ['reminder', 'DANGER', 'main STILL DANGER: x'],
    ['trip', 'EMERGENCY', 'main TRIPPED EMERGENCY: x'],
    ['residual', 'EMERGENCY', 'main CLOSE INCOMPLETE: x'],
    ['blind', 'UNKNOWN', 'main BLIND: x'],
    ['auth', 'UNKNOWN', 'main API KEY REJECTED: x'],
    ['liquidation', 'DANGER', 'main LIQUIDATED: x'],
    ['dead-man', 'UNKNOWN', 'main GUARD DOWN: x'],
    ['test', 'OK', 'main TEST: x'],
  ])('words %s alerts as %j', (kind, level, expected) => {
    expect(smsText(alert({ kind, level, summary: 'x' }))).toBe(expected);
  });

  it('is pure GSM-7 and at most 140 characters for any alert', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.string({ unit: 'binary', maxLength: 20 }),
        fc.string({ unit: 'binary', maxLength: 400 }),
        (kind, accountId, level, summary) => {
          const sms = smsText(alert({ kind, accountId, level, summary }));
          expect(sms.length).toBeLessThanOrEqual(SMS_MAX);
          expect(isGsm7Basic(sms)).toBe(true);
        },
      ),
    );
  });
});

describe('formatAlert', () => {
  const ctx = { tableName: 'RiskGuard-Table', region: 'ap-northeast-1' };

  it('puts every metric, reason and the time in the email body', () => {
    const f = formatAlert(alert(), ctx);
    expect(f.email).toContain('riskguard - account main - escalated to DANGER');
    expect(f.email).toContain('Level: DANGER    Time: 2025-10-10 21:15:00 UTC');
    expect(f.email).toContain('Margin ratio: 0.7200');
    expect(f.email).toContain('  - cross margin ratio 0.72 ≥ DANGER 0.70');
  });

  it.each<AlertKind>(['trip', 'residual', 'liquidation'])('tells how to re-arm after a %s', (kind) => {
    const f = formatAlert(alert({ kind, level: 'EMERGENCY' }), ctx);
    expect(f.email).toContain(
      'npx riskguard rearm --account main --by NAME --reason TEXT --table RiskGuard-Table --region ap-northeast-1',
    );
  });

  it('tells how to re-arm at EMERGENCY whatever the kind', () => {
    expect(formatAlert(alert({ level: 'EMERGENCY' }), ctx).email).toContain('npx riskguard rearm --account main');
  });

  it('does not add the re-arm command to an all-clear', () => {
    expect(formatAlert(alert({ kind: 'all-clear', level: 'OK' }), ctx).email).not.toContain('rearm');
  });

  it.each<[AlertKind, string]>([
    ['escalation', 'escalated to DANGER'],
    ['de-escalation', 'eased to DANGER'],
    ['all-clear', 'all clear'],
    ['trip', 'TRIPPED at DANGER'],
    ['blind', 'guard cannot see the account'],
    ['dead-man', 'guard is not protecting this account'],
    ['test', 'test alert'],
  ])('gives %s alerts their own wording', (kind, words) => {
    const f = formatAlert(alert({ kind }), ctx);
    expect(f.subject).toContain(words);
    expect(f.email.split('\n')[0]).toContain(words);
  });

  it('writes subjects SNS accepts: printable ASCII, one line, under 100 characters', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...KINDS),
        fc.string({ unit: 'binary', maxLength: 64 }),
        fc.string({ unit: 'binary', maxLength: 300 }),
        (kind, accountId, summary) => {
          const { subject } = formatAlert(alert({ kind, accountId, summary }));
          expect(subject.length).toBeLessThanOrEqual(SUBJECT_MAX);
          expect(subject).toMatch(/^[\x20-\x7e]+$/);
          expect(subject).toMatch(/^[A-Za-z0-9]/);
        },
      ),
    );
  });

  it('gives webhooks the alert as JSON', () => {
    const parsed = JSON.parse(formatAlert(alert()).json) as Record<string, unknown>;
    expect(parsed).toMatchObject({ accountId: 'main', kind: 'escalation', level: 'DANGER', at: AT, time: '2025-10-10T21:15:00.000Z' });
  });

  it('uses placeholders in the re-arm command when the deployment is unknown', () => {
    expect(rearmCommand('main')).toBe('npx riskguard rearm --account main --by NAME --reason TEXT --table TABLE --region REGION');
  });
});
