import { describe, expect, it } from 'vitest';
import { decide } from '../../../functions/domain/decide.ts';
import { positionLimitFindings } from '../../../functions/domain/limits/position-limits.ts';
import { evaluateAccount } from '../../../functions/domain/margin.ts';
import { DEFAULT_POLICY, type Limits } from '../../../functions/domain/policy.ts';
import { NOW, stateAt, twoLongs, withLimits } from './fixtures.ts';

const evalOf = (wallet: number, btc: number, eth: number) => evaluateAccount(twoLongs(wallet, btc, eth), DEFAULT_POLICY.stress);
const found = (limits: Limits, wallet: number, btc: number, eth: number, shift = false) =>
  positionLimitFindings(evalOf(wallet, btc, eth), limits, 0.01, shift).map((f) => `${f.position}:${f.level}:${f.metric}`);

describe('positionLimitFindings', () => {
  it.each<[string, Limits, [number, number, number], boolean, string[]]>([
    ['no loss beyond the cap', { positionLoss: { EMERGENCY: 500 } }, [20_000, 50_000, 2_960], false, []],
    ['ETH down 600 > 500: ETH alone', { positionLoss: { EMERGENCY: 500 } }, [20_000, 50_000, 2_940], false, ['1:EMERGENCY:positionLoss']],
    ['a profit is no loss', { positionLoss: { EMERGENCY: 500 } }, [20_000, 51_000, 3_100], false, []],
    ['DANGER 300 and EMERGENCY 500, loss 400', { positionLoss: { DANGER: 300, EMERGENCY: 500 } }, [20_000, 50_000, 2_960], false, ['1:DANGER:positionLoss']],
    ['loss 299 inside the 1 % band below 300 (297): held', { positionLoss: { DANGER: 300 } }, [20_000, 50_000, 2_970.1], true, ['1:DANGER:positionLoss']],
    ['loss 295 below the band: clear', { positionLoss: { DANGER: 300 } }, [20_000, 50_000, 2_970.5], true, []],
    ['BTC down 1,500 = 8.3 % of 18,100 equity > 5 %', { positionLossOfEquity: { EMERGENCY: 0.05 } }, [20_000, 48_500, 2_960], false, ['0:EMERGENCY:positionLossOfEquity']],
    ['BTC down 900 = 4.5 % of 19,100 equity < 5 %', { positionLossOfEquity: { EMERGENCY: 0.05 } }, [20_000, 49_100, 3_000], false, []],
    ['BTC notional 51,000 > cap 50,000; ETH has no cap', { symbolNotional: { BTCUSDT: { EMERGENCY: 50_000 } } }, [20_000, 51_000, 4_000], false, ['0:EMERGENCY:symbolNotional']],
    ['BTC notional 50,000 at the cap', { symbolNotional: { BTCUSDT: { EMERGENCY: 50_000 } } }, [20_000, 50_000, 3_000], false, []],
    ['ETH notional 30,000 within the band of a 30,200 cap', { symbolNotional: { ETHUSDT: { WARNING: 30_200 } } }, [20_000, 50_000, 3_000], true, ['1:WARNING:symbolNotional']],
  ])('%s', (_name, limits, [wallet, btc, eth], shift, expected) => {
    expect(found(limits, wallet, btc, eth, shift)).toEqual(expected);
  });

  it('reads as sentences naming the position and the amounts', () => {
    const ev = evalOf(20_000, 48_500, 2_940);
    const fs = positionLimitFindings(ev, { positionLoss: { EMERGENCY: 500 }, positionLossOfEquity: { EMERGENCY: 0.05 }, symbolNotional: { BTCUSDT: { EMERGENCY: 45_000 } } }, 0.01, false);
    expect(fs.map((f) => f.reason)).toEqual([
      'BTCUSDT long (cross) loss 1,500.00 USDT > EMERGENCY 500.00 USDT per position',
      'BTCUSDT long (cross) loss 1,500.00 USDT = 8.4 % of equity 17,900.00 USDT > EMERGENCY 5.0 % per position',
      'BTCUSDT long (cross) notional 48,500.00 USDT > EMERGENCY cap 45,000.00 USDT for BTCUSDT',
      'ETHUSDT long (cross) loss 600.00 USDT > EMERGENCY 500.00 USDT per position',
    ]);
  });
});

describe('decide with per-position limits', () => {
  it('closes the position past its loss cap alone: no close-all, no halt', () => {
    const policy = withLimits({ positionLoss: { EMERGENCY: 500 } });
    const d = decide(twoLongs(20_000, 50_000, 2_940), stateAt({ peakEquity: 19_400 }), policy, NOW);
    expect(d.level).toBe('EMERGENCY');
    expect(d.actions.filter((a) => a.type !== 'alert')).toEqual([
      { type: 'closePosition', position: 1, reason: 'ETHUSDT long (cross) loss 600.00 USDT > EMERGENCY 500.00 USDT per position', dryRun: false },
    ]);
    expect(d.state.halted).toBe(false);
  });

  it('closes a position over its symbol’s notional cap alone', () => {
    const policy = withLimits({ symbolNotional: { BTCUSDT: { EMERGENCY: 50_000 } } });
    const d = decide(twoLongs(20_000, 51_000, 3_000), stateAt({ peakEquity: 21_000 }), policy, NOW);
    expect(d.actions.filter((a) => a.type !== 'alert')).toEqual([
      { type: 'closePosition', position: 0, reason: 'BTCUSDT long (cross) notional 51,000.00 USDT > EMERGENCY cap 50,000.00 USDT for BTCUSDT', dryRun: false },
    ]);
  });

  it('reduces only the breaching position on entering DANGER', () => {
    const policy = withLimits({ positionLoss: { DANGER: 300 } });
    const d = decide(twoLongs(20_000, 50_000, 2_960), stateAt({ peakEquity: 19_600 }), policy, NOW);
    expect(d.level).toBe('DANGER');
    expect(d.actions.filter((a) => a.type !== 'alert')).toEqual([
      { type: 'reduce', fraction: 0.2, positions: [1], reason: 'DANGER: reduce the breaching position(s) by 20.0 %', dryRun: false },
    ]);
  });

  it('still closes all when the account itself breaches EMERGENCY at the same time', () => {
    const policy = withLimits({ positionLoss: { EMERGENCY: 500 }, equityFloor: { EMERGENCY: 19_500 } });
    const d = decide(twoLongs(20_000, 50_000, 2_940), stateAt({ peakEquity: 19_400 }), policy, NOW);
    expect(d.actions.filter((a) => a.type !== 'alert').map((a) => a.type)).toEqual(['closeAll']);
  });

  it('names the closed position in the all-clear', () => {
    const policy = withLimits({ positionLoss: { EMERGENCY: 500 } });
    const tripped = decide(twoLongs(20_000, 50_000, 2_940), stateAt({ peakEquity: 19_400 }), policy, NOW);
    const btcOnly = { crossWalletBalance: 19_400, positions: [twoLongs(0, 50_000, 0).positions[0]!] };
    const after = decide(btcOnly, tripped.state, policy, NOW + 60_000);
    expect(after.level).toBe('OK');
    expect(after.actions[0]).toMatchObject({ kind: 'all-clear', message: expect.stringContaining('ETHUSDT long (cross) loss now closed') });
  });
});
