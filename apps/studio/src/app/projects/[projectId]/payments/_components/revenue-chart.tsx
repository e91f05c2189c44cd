import { formatMoney } from '~/lib/money';

/** Net revenue per day for the main currency, as a small SVG bar chart. */
export function RevenueChart({ points }: { points: { day: string; currency: string; net: number }[] }) {
  if (points.length === 0) return null;
  const byCurrency = new Map<string, number>();
  for (const p of points) byCurrency.set(p.currency, (byCurrency.get(p.currency) ?? 0) + p.net);
  const currency = [...byCurrency.entries()].sort((a, b) => b[1] - a[1])[0][0];
  const series = points.filter((p) => p.currency === currency);
  const max = Math.max(...series.map((p) => p.net), 1);
  const width = 600;
  const height = 120;
  const bar = width / Math.max(series.length, 1);
  return (
    <section className="card" aria-label="Revenue over time">
      <h2 className="mb-2 font-semibold">Net revenue, last 30 days ({currency.toUpperCase()})</h2>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        className="h-32 w-full"
        role="img"
        aria-label={`Revenue per day in ${currency}`}
      >
        {series.map((p, i) => {
          const h = (p.net / max) * (height - 10);
          return (
            <rect
              key={p.day}
              x={i * bar + 2}
              y={height - h}
              width={Math.max(bar - 4, 2)}
              height={h}
              className="fill-indigo-500"
            >
              <title>{`${p.day}: ${formatMoney(p.net, p.currency)}`}</title>
            </rect>
          );
        })}
      </svg>
    </section>
  );
}
