/**
 * A call made at most once per window: the first call of a quiet period goes at once, and any calls made while its
 * window is open share one more call when it closes (so the last of a burst is never lost). Used for the NOTIFYs that
 * wake other processes (queued runs, realtime changes): PostgreSQL serialises the commits of transactions that notify,
 * so a burst must cost a notice per window, not one per commit.
 */
export class CoalescedCall {
  private open = false;
  private trailing = false;

  constructor(
    private readonly send: () => void,
    private readonly windowMs: number,
  ) {}

  call(): void {
    if (this.open) {
      this.trailing = true;
      return;
    }
    this.fire();
  }

  private fire(): void {
    this.open = true;
    this.trailing = false;
    this.send();
    setTimeout(() => {
      this.open = false;
      if (this.trailing) this.fire();
    }, this.windowMs).unref();
  }
}
