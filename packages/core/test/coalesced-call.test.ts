import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CoalescedCall } from '../src';

describe('a coalesced call', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('goes at once after a quiet period, and the calls made during its window share one more when it closes', () => {
    let sent = 0;
    const call = new CoalescedCall(() => {
      sent += 1;
    }, 10);
    call.call();
    expect(sent).toBe(1);
    for (let i = 0; i < 5; i++) call.call();
    expect(sent).toBe(1);
    vi.advanceTimersByTime(9);
    expect(sent).toBe(1);
    vi.advanceTimersByTime(1);
    expect(sent).toBe(2);
    // The trailing call opened a window of its own: a call inside it waits for its end too.
    call.call();
    expect(sent).toBe(2);
    vi.advanceTimersByTime(10);
    expect(sent).toBe(3);
    // Nothing more was asked for: the window closes with no call, and the next one goes at once.
    vi.advanceTimersByTime(50);
    expect(sent).toBe(3);
    call.call();
    expect(sent).toBe(4);
  });
});
