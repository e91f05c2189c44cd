import { bigint, bigserial, index, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

// The change log behind realtime: each project table's trigger appends one row
// per committed insert/update/delete and NOTIFYs its position, so a client that
// reconnects can replay what it missed (positions are global and increasing at insert time).
export const realtimeChanges = pgTable(
  'realtime_change',
  {
    position: bigserial('position', { mode: 'number' }).primaryKey(),
    projectId: integer('project_id').notNull(),
    tableId: integer('table_id').notNull(),
    rowId: bigint('row_id', { mode: 'number' }).notNull(),
    op: text('op').notNull(),
    // Deletes only: the row as it was, so "own rows" scope can still be decided.
    oldRow: jsonb('old_row'),
    committedAt: timestamp('committed_at', { withTimezone: true }).notNull().defaultNow(),
    // Positions are taken at insert, not commit, so a slower transaction can commit a lower position
    // after a higher one was delivered. The writer's transaction id and the oldest transaction still
    // running when it wrote (its snapshot's xmin) let a resume after position P also replay every
    // lower position whose transaction may still have been in flight then (tx_id >= P's tx_floor).
    txId: bigint('tx_id', { mode: 'number' }),
    txFloor: bigint('tx_floor', { mode: 'number' }),
  },
  (t) => [
    index('realtime_change_project_position_idx').on(t.projectId, t.position),
    index('realtime_change_committed_idx').on(t.committedAt),
  ],
);
