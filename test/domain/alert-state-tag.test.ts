import { describe, expect, it } from 'vitest';
import { formatAlert, isGsm7Basic, smsText, SMS_MAX } from '../../functions/domain/alert-format.ts';
import type { Alert } from '../../functions/ports.ts';

const at = Date.UTC(2025, 9, 10, 21, 0);
const alert = (kind: Alert['kind'], level: string, summary: string): Alert => ({ accountId: 'main', kind, level, summary, body: '', at });

describe('the account state leads the SMS and the subject', () => {
  it.each<[Alert['kind'], string, string, string, string]>([
    ['de-escalation', 'OK', 'HALTED | EMERGENCY → OK: all metrics below their thresholds', 'main HALTED - DOWN OK: EMERGENCY -> OK: all metrics below their thresholds', 'riskguard main: HALTED - eased to OK - EMERGENCY -> OK'],
    ['escalation', 'EMERGENCY', 'PAUSED (orders withheld) | OK → EMERGENCY: drawdown 45.2 % from trailing peak ≥ EMERGENCY 15.0 %', 'main PAUSED (orders withheld) - UP EMERGENCY: OK -> EMERGENCY: drawdown 45.2 % from trailing peak >= EMERGENCY 15.0 %', 'riskguard main: PAUSED (orders withheld) - escalated to EMERGENCY - OK -> EMERGENCY'],
    ['reminder', 'EMERGENCY', 'DRY RUN: would close all | still EMERGENCY: drawdown 13.5 %', 'main DRY RUN: would close all - STILL EMERGENCY: still EMERGENCY: drawdown 13.5 %', 'riskguard main: DRY RUN: would close all - still EMERGENCY - still EMERGENCY'],
    ['all-clear', 'OK', 'DANGER → OK: all clear, cleared: drawdown now 3.1 %', 'main ALL CLEAR: DANGER -> OK: all clear, cleared: drawdown now 3.1 %', 'riskguard main: all clear (OK) - DANGER -> OK'],
  ])('%s %s', (kind, level, summary, sms, subject) => {
    const a = alert(kind, level, summary);
    expect(smsText(a)).toBe(sms);
    expect(isGsm7Basic(smsText(a))).toBe(true);
    expect(smsText(a).length).toBeLessThanOrEqual(SMS_MAX);
    expect(formatAlert(a).subject.startsWith(subject)).toBe(true);
    // The email keeps the summary as the guard wrote it.
    expect(formatAlert(a).email).toContain(summary);
  });
});
