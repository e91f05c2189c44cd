import type { ColumnType } from '@tillflow/data-model/types';
import { statusLabel } from './status-labels';

/** Column types in a shop owner's words (the stored type names stay the values). */
export const COLUMN_TYPE_WORDS: Record<ColumnType, string> = {
  text: 'Text',
  integer: 'Whole number',
  decimal: 'Decimal number (e.g. a price, 8.50)',
  boolean: 'Yes or no',
  timestamp: 'Date and time',
  json: 'Structured data (JSON)',
  enum: 'One of a list of words (e.g. a status)',
  relation: 'Link to a row of another table',
};

/** How a column's type reads in the columns list: "Link to customers", "One of: pending, paid". */
export function describeColumnType(column: {
  type: ColumnType;
  enumOptions?: string[] | null;
  relationTable?: string | null;
}): string {
  // Stripe-like codes Tillflow keeps (PENDING, SUCCESSFUL) read as their labels; the builder's own words as written.
  if (column.type === 'enum')
    return `One of: ${(column.enumOptions ?? []).map((o) => (/^[A-Z][A-Z_]+$/.test(o) ? statusLabel(o) : o)).join(', ')}`;
  if (column.type === 'relation') return `Link to ${tableWords(column.relationTable ?? '')}`;
  return COLUMN_TYPE_WORDS[column.type].replace(/ \(.*\)$/, '');
}

/**
 * The name a shop owner reads for a table: the tables Tillflow keeps whose technical names are not words
 * (`end_user`, `recurring_payment`) read as words; every other table keeps the name its builder gave it, which is
 * also the name expressions use.
 */
export function tableWords(name: string): string {
  return SYSTEM_TABLE_WORDS[name] ?? name;
}
const SYSTEM_TABLE_WORDS: Record<string, string> = {
  end_user: 'shopper accounts',
  recurring_payment: 'recurring payment',
};
