/**
 * The trailing peak of equity. It only rises with equity; transfers move it so that neither is
 * mistaken for trading: a withdrawal is not a drawdown and a deposit is not a new high to fall from.
 *
 * - A withdrawal scales the peak by what is left, keeping the drawdown unchanged. Example: peak
 *   10,000, equity 9,000 (10 % down), withdraw 4,500 → equity 4,500, peak 5,000 (still 10 %).
 *   Subtracting the amount instead would report 18 % and could trip the guard.
 * - A deposit adds its amount to the peak: the same loss in money remains, now measured against
 *   a larger account. (Scaling here would blow up when the account before it was nearly empty.)
 */
export interface Peak {
  peakEquity: number | null;
  peakAt: number | null;
}

/** The peak moved by this tick's transfers, before any new high; null when there is none yet. */
export function peakAfterTransfers(peakEquity: number | null, equity: number, netTransfers: number): number | null {
  if (peakEquity === null) return null;
  if (netTransfers > 0) return peakEquity + netTransfers;
  if (netTransfers < 0) {
    const before = equity - netTransfers;
    return before > 0 && equity >= 0 ? peakEquity * (equity / before) : Math.max(0, peakEquity + netTransfers);
  }
  return peakEquity;
}

/**
 * @param equity this tick's equity, transfers included (quote currency)
 * @param netTransfers deposits minus withdrawals since the previous tick (quote currency)
 * @param cap the highest value the peak may rise to on this tick's equity (a value a second read
 *   or the venue's own figures confirmed); null = the equity itself. A bad read never moves the peak.
 */
export function applyTransfers(
  peakEquity: number | null,
  peakAt: number | null,
  equity: number,
  netTransfers: number,
  now: number,
  cap: number | null = null,
): Peak {
  const high = cap === null ? equity : Math.min(equity, cap);
  const peak = peakAfterTransfers(peakEquity, equity, netTransfers);
  if (peak === null) return { peakEquity: high, peakAt: now };
  if (high > peak) return { peakEquity: high, peakAt: now };
  return { peakEquity: peak, peakAt };
}

/** (peak − equity) / peak as a fraction, ≥ 0; null when there is no positive peak. */
export function drawdownOf(peakEquity: number | null, equity: number): number | null {
  if (peakEquity === null || peakEquity <= 0) return null;
  return Math.max(0, (peakEquity - equity) / peakEquity);
}
