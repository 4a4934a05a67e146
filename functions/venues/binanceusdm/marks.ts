/**
 * One premiumIndex answer lent to every account of a venue (and base URL) that asks within
 * {@link MARKS_REUSE_MS} of it arriving, or while it is in flight: in a crash every account ticks
 * at once, and each snapshot would otherwise spend 10 weight of the IP's 2,400 a minute on the same
 * public list. The answer's rows carry the venue's own `time`, so the data gate still judges how
 * old a mark is.
 */

/** How long one answer is reused after it arrived, ms of the host clock. */
export const MARKS_REUSE_MS = 250;

export class SharedMarks {
  private answer: { at: number; body: unknown } | null = null;
  private pending: Promise<unknown> | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  /** The in-flight or recent answer, else `fetch()`'s (shared with whoever asks meanwhile). A failure is not kept. */
  read(fetch: () => Promise<unknown>): Promise<unknown> {
    if (this.pending) return this.pending;
    if (this.answer && this.now() - this.answer.at < MARKS_REUSE_MS) return Promise.resolve(this.answer.body);
    const p = fetch().then((body) => {
      this.answer = { at: this.now(), body };
      return body;
    });
    this.pending = p;
    const settle = () => {
      if (this.pending === p) this.pending = null;
    };
    p.then(settle, settle);
    return p;
  }
}
