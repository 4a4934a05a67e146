import { expect, it } from 'vitest';
import { runOrderlyDemo } from '../../../functions/cli/demo-orderly.ts';

/** `riskguard demo --venue orderly`: the crash replay on a dual-mode book shows the ETH legs judged apart. */
it('judges the isolated ETH leg apart from the cross ETH leg through the 2025-10-10 crash', async () => {
  const lines: string[] = [];
  const r = await runOrderlyDemo({ out: (s) => lines.push(s) });
  const text = lines.join('\n');
  // The isolated pool is judged on its own margin ratio, and it goes while the cross ETH leg stays.
  expect(text).toMatch(/isolated PERP_ETH_USDC long margin ratio \d\.\d+ ≥ (DANGER|EMERGENCY)/);
  expect(r.isolatedGoneAlone).toBe(true);
  // Every reduce-only order names its leg's margin mode; the isolated leg's carries ISOLATED.
  expect(text).toMatch(/SELL [\d.]+ PERP_ETH_USDC margin_mode ISOLATED/);
  expect(text).toMatch(/SELL [\d.]+ PERP_ETH_USDC margin_mode CROSS/);
  // Orderly accounts hold USDC: every amount says so, in the lines and in the alerts.
  expect(text).toMatch(/equity [\d,]+\.\d\d USDC  peak [\d,]+\.\d\d USDC/);
  expect(text).toMatch(/ALERT .*equity [\d,]+\.\d\d USDC/);
  expect(text).not.toMatch(/\d USDT\b/);
}, 120_000);
