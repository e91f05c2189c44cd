'use client';

import { Bar, BarChart, CartesianGrid, Label, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { formatMoney } from '~/lib/money';

export interface RevenuePoint {
  day: string;
  currency: string;
  /** Net revenue that day, in the currency's minor units. */
  net: number;
}

/** The currency with the most revenue, and one bar per day of the period (days without payments at zero). */
export function revenueSeries(points: RevenuePoint[], days = 30, today = new Date()) {
  const byCurrency = new Map<string, number>();
  for (const p of points) byCurrency.set(p.currency, (byCurrency.get(p.currency) ?? 0) + p.net);
  const currency = [...byCurrency.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 'usd';
  const net = new Map(points.filter((p) => p.currency === currency).map((p) => [p.day, p.net]));
  const end = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate());
  const series = Array.from({ length: days }, (_, i) => {
    const day = new Date(end - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
    return { day, label: shortDay(day), net: net.get(day) ?? 0 };
  });
  const total = series.reduce((sum, p) => sum + p.net, 0);
  return { currency, series, total, otherCurrencies: [...byCurrency.keys()].filter((c) => c !== currency) };
}

function shortDay(day: string): string {
  return new Date(`${day}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/**
 * Net revenue per day over the last 30 days (Recharts): money on the axis and in the tooltip in the
 * currency's major units with its symbol ("$6.50"), days on the other axis. `width` fixes the size
 * (tests; jsdom cannot measure), otherwise it follows its container down to a phone's width.
 */
export function RevenueChart({ points, width }: { points: RevenuePoint[]; width?: number }) {
  if (points.length === 0) return null;
  const { currency, series, total, otherCurrencies } = revenueSeries(points);
  const money = (value: number) => formatMoney(value, currency);
  const chart = (
    <BarChart data={series} margin={{ top: 8, right: 8, bottom: 24, left: 8 }} width={width} height={220}>
      <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
      <XAxis dataKey="label" tick={{ fontSize: 11 }} interval="preserveStartEnd" minTickGap={16}>
        <Label value="Day" position="insideBottom" offset={-16} style={{ fontSize: 12, fill: '#64748b' }} />
      </XAxis>
      <YAxis tickFormatter={money} tick={{ fontSize: 11 }} width={64} allowDecimals={false}>
        <Label
          value={`Net (${currency.toUpperCase()})`}
          angle={-90}
          position="insideLeft"
          style={{ fontSize: 12, fill: '#64748b', textAnchor: 'middle' }}
        />
      </YAxis>
      <Tooltip
        formatter={(value) => [money(Number(value)), 'Net revenue']}
        labelFormatter={(label) => String(label)}
        cursor={{ fill: '#eef2ff' }}
      />
      <Bar dataKey="net" name="Net revenue" fill="#6366f1" radius={[3, 3, 0, 0]} isAnimationActive={false} />
    </BarChart>
  );
  return (
    <section className="card min-w-0" aria-label="Revenue over time">
      <h2 className="mb-1 font-semibold">Net revenue, last 30 days</h2>
      <p className="mb-2 text-sm text-slate-600">
        {money(total)} in {currency.toUpperCase()}
        {otherCurrencies.length > 0
          ? ` (other currencies: ${otherCurrencies.map((c) => c.toUpperCase()).join(', ')}, see the totals above)`
          : ''}
      </p>
      <figure role="img" aria-label={`Net revenue per day in ${currency.toUpperCase()}, ${money(total)} in total`}>
        {width ? (
          chart
        ) : (
          <ResponsiveContainer width="100%" height={220}>
            {chart}
          </ResponsiveContainer>
        )}
      </figure>
    </section>
  );
}
