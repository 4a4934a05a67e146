import { afterEach, describe, expect, it } from 'vitest';
import { clearSecrets, REDACTED, redactFields, redactText, redactValue, registerSecret } from '../functions/redact.ts';
import { scrub } from '../functions/venues/ccxt-errors.ts';

afterEach(() => clearSecrets());

describe('redactText', () => {
  it.each([
    ['a signed query string', 'GET /fapi/v3/account?timestamp=1&signature=9f8e7d6c5b4a', 'GET /fapi/v3/account?timestamp=1&signature=[redacted]'],
    ['a labelled key header', 'headers {"X-MBX-APIKEY":"AbCdEf123456"}', 'headers {"X-MBX-APIKEY":"[redacted]"}'],
    ['a JSON apiKey field', '{"apiKey": "AbCdEf123456", "x": 1}', '{"apiKey": "[redacted]", "x": 1}'],
    ['a passphrase parameter', 'passphrase=hunter22&x=1', 'passphrase=[redacted]&x=1'],
    ['a Telegram bot token in a URL', 'POST https://api.telegram.org/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage', 'POST https://api.telegram.org/bot[redacted]/sendMessage'],
  ])('hides %s', (_what, input, expected) => {
    expect(redactText(input)).toBe(expected);
  });

  it('hides a registered key quoted bare in an error body, also URL- and JSON-encoded', () => {
    registerSecret('k3y/with+chars"and=more');
    const body = `{"code":-2015,"msg":"Invalid API-key, IP, or permissions for action, key k3y/with+chars\\"and=more"} k3y%2Fwith%2Bchars%22and%3Dmore`;
    const out = redactText(body);
    expect(out).not.toContain('k3y/with');
    expect(out).not.toContain('k3y%2F');
    expect(out).toContain(REDACTED);
  });

  it('ignores values too short to be keys, and leaves ordinary text alone', () => {
    registerSecret('abc', '', undefined, null);
    expect(redactText('abc secretEnv: RISKGUARD_MAIN_SECRET, equity 10,000.00 USDT')).toBe('abc secretEnv: RISKGUARD_MAIN_SECRET, equity 10,000.00 USDT');
  });

  it('is the ccxt error scrub too (one piece of code)', () => {
    registerSecret('paper-key-0123456789');
    expect(scrub('binanceusdm {"code":-2015,"msg":"bad key paper-key-0123456789"}')).toBe('binanceusdm {"code":-2015,"msg":"bad key [redacted]"}');
  });
});

describe('redactValue', () => {
  it('hides secret-named fields, redacts nested strings and errors, and keeps other objects intact', () => {
    registerSecret('sekret-value-123');
    const at = new Date(0);
    expect(redactValue({ apiKey: 'whatever', nested: [{ msg: 'x sekret-value-123 y' }], err: new Error('sekret-value-123'), at, n: 1 })).toEqual({
      apiKey: REDACTED,
      nested: [{ msg: `x ${REDACTED} y` }],
      err: { name: 'Error', message: REDACTED },
      at,
      n: 1,
    });
    expect(redactFields(undefined)).toBeUndefined();
  });
});
