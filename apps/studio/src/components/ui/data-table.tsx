import type { ReactNode } from 'react';

/**
 * The studio's list table (events, failed runs, flows…): a card with a header row, a one-line message
 * spanning every column while the list is empty, and the caller's rows. A column headed '' is an
 * actions column.
 */
export function DataTable({
  label,
  columns,
  empty,
  children,
}: {
  /** What the table lists, for assistive technology ("Webhook events"). */
  label: string;
  columns: string[];
  /** Shown instead of rows when set (pass it only while the list is empty). */
  empty?: ReactNode;
  children?: ReactNode;
}) {
  return (
    // Wide tables scroll inside their card on a phone instead of widening the page.
    <div className="card relative overflow-x-auto">
      <table className="w-full text-left text-sm" aria-label={label}>
        <thead className="text-slate-500">
          <tr>
            {columns.map((column, i) =>
              column ? (
                <th key={column} className="py-1 pr-3">
                  {column}
                </th>
              ) : (
                // biome-ignore lint/suspicious/noArrayIndexKey: an unnamed actions column has only its place
                <th key={`actions-${i}`} />
              ),
            )}
          </tr>
        </thead>
        <tbody>
          {empty && (
            <tr>
              <td colSpan={columns.length} className="py-3 text-slate-500">
                {empty}
              </td>
            </tr>
          )}
          {children}
        </tbody>
      </table>
    </div>
  );
}
