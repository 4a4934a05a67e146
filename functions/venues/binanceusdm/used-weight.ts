/**
 * The venue's own count of the request weight this IP used in the current minute, as Binance
 * answers it on every response (X-MBX-USED-WEIGHT-1M; the limit is per IP, so one count per venue
 * and base URL, kept in the shared slot). Answers arrive out of order: within one minute of the
 * host clock the highest count seen stands; a new minute starts afresh (Binance's window is the
 * calendar minute).
 */
export class UsedWeight {
  private seen: { used: number; at: number } | null = null;

  /** Records a count answered at `at` (host ms). */
  record(used: number, at: number): void {
    if (!(Number.isFinite(used) && used >= 0)) return;
    const s = this.seen;
    if (s && Math.floor(s.at / 60_000) === Math.floor(at / 60_000) && s.used >= used) return;
    this.seen = { used, at };
  }

  /** The last count and when it was seen (host ms); null before any answer. */
  last(): { used: number; at: number } | null {
    return this.seen;
  }
}
