// @vitest-environment jsdom

import { cleanup, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { RevenueChart, revenueSeries } from '~/app/projects/[projectId]/payments/_components/revenue-chart';

afterEach(cleanup);

const today = new Date();
const iso = (daysAgo: number) => new Date(today.getTime() - daysAgo * 86_400_000).toISOString().slice(0, 10);

const DAY = /^[A-Z][a-z]{2} \d{1,2}$/;

/** The axes' tick labels (Recharts draws them after its first layout pass). */
async function axisTicks(container: HTMLElement): Promise<string[]> {
  const read = () =>
    [...container.querySelectorAll('.recharts-cartesian-axis-tick-value')].map((t) => t.textContent ?? '');
  await waitFor(() => expect(read().filter((t) => !DAY.test(t)).length).toBeGreaterThan(1));
  return read();
}

describe('the payments dashboard revenue chart', () => {
  it('one bar per day of the last 30, empty days at zero, in the currency with the most revenue', () => {
    const { currency, series, total, otherCurrencies } = revenueSeries(
      [
        { day: iso(0), currency: 'usd', net: 650 },
        { day: iso(3), currency: 'usd', net: 1200 },
        { day: iso(1), currency: 'jpy', net: 500 },
      ],
      30,
      today,
    );
    expect(currency).toBe('usd');
    expect(series).toHaveLength(30);
    expect(series.at(-1)).toMatchObject({ day: iso(0), net: 650 });
    expect(series.at(-4)).toMatchObject({ day: iso(3), net: 1200 });
    expect(series.filter((p) => p.net === 0)).toHaveLength(28);
    expect(total).toBe(1850);
    expect(otherCurrencies).toEqual(['jpy']);
  });

  it('draws axes with money in major units and its symbol, and says the total in words', async () => {
    const { container } = render(<RevenueChart width={640} points={[{ day: iso(0), currency: 'usd', net: 650 }]} />);
    expect(screen.getByRole('region', { name: 'Revenue over time' })).toBeTruthy();
    expect(screen.getByRole('img', { name: 'Net revenue per day in USD, $6.50 in total' })).toBeTruthy();
    const ticks = await axisTicks(container);
    const money = ticks.filter((t) => !DAY.test(t));
    expect(money.length).toBeGreaterThan(1);
    for (const tick of money) expect(tick).toMatch(/^\$\d+(\.\d\d)?$/);
    expect(ticks.filter((t) => DAY.test(t)).length).toBeGreaterThan(1);
    expect(container.textContent).toContain('Day');
    expect(container.textContent).toContain('Net (USD)');
    expect(container.querySelectorAll('.recharts-bar-rectangle').length).toBeGreaterThan(0);
  });

  it('zero-decimal currencies read without decimals (¥500, never ¥5.00)', async () => {
    const { container } = render(<RevenueChart width={640} points={[{ day: iso(0), currency: 'jpy', net: 500 }]} />);
    expect(screen.getByRole('img', { name: 'Net revenue per day in JPY, ¥500 in total' })).toBeTruthy();
    const money = (await axisTicks(container)).filter((t) => !DAY.test(t));
    expect(money.length).toBeGreaterThan(1);
    for (const tick of money) expect(tick).toMatch(/^¥[\d,]+$/);
  });
});
