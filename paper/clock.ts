import type { PaperEngine } from './core/index.ts';

/**
 * Drives the engine's market clock in real time: `speed` market-ms per wall-ms (1 = real time,
 * 60 = a minute of replay per second). A timer steps the engine so liquidations happen even when
 * nobody calls; the HTTP server also calls sync() before each request so responses are exact.
 * Manual clock moves (control API) are honoured: the driver re-anchors instead of going back.
 */
export class RealtimeDriver {
  private anchorMarket: number;
  private anchorWall: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly engine: PaperEngine,
    readonly speed: number,
    private readonly intervalMs = 100,
    private readonly wallNow: () => number = Date.now,
  ) {
    if (!(speed > 0)) throw new Error('speed must be > 0');
    this.anchorMarket = engine.now();
    this.anchorWall = wallNow();
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.sync(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Advances the engine to the market time the wall clock says it should be at. */
  sync(): void {
    const target = this.anchorMarket + (this.wallNow() - this.anchorWall) * this.speed;
    const now = this.engine.now();
    if (now > target + 1) this.rebase();
    else if (target > now) this.engine.advanceTo(Math.floor(target));
  }

  /** Continue from the engine's current time (after a manual jump). */
  rebase(): void {
    this.anchorMarket = this.engine.now();
    this.anchorWall = this.wallNow();
  }
}
