'use client';

import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { TableInfo } from '@tillflow/data-model/types';
import { useState } from 'react';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { FormButtons } from './form-parts';
import { fromDraft, toDraft, ValueEditor } from './value-editor';

/** Adds a row, or edits one when `row` is given; errors appear on their field. */
export function RowForm({
  projectId,
  table,
  row,
  onDone,
}: {
  projectId: number;
  table: TableInfo;
  row?: Record<string, unknown> & { id: number };
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [drafts, setDrafts] = useState<Record<string, string>>(() =>
    Object.fromEntries(table.columns.map((c) => [c.name, row ? toDraft(c, row[c.name]) : ''])),
  );
  const [localErrors, setLocalErrors] = useState<Record<string, string>>({});
  const onSuccess = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.dataModel.queryRows.pathKey() });
    onDone();
  };
  const insert = useMutation(trpc.dataModel.insertRow.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.dataModel.updateRow.mutationOptions({ onSuccess }));
  const mutation = row ? update : insert;
  const errors = { ...fieldErrors(mutation.error), ...localErrors };
  const formLabel = row ? `Edit row ${row.id}` : 'New row';

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const values: Record<string, unknown> = {};
    const problems: Record<string, string> = {};
    for (const column of table.columns) {
      const draft = drafts[column.name] ?? '';
      // unchanged fields of an existing row are left alone
      if (row && draft === toDraft(column, row[column.name])) continue;
      // untouched fields of a new row take the column default
      if (!row && draft === '' && column.default !== undefined) continue;
      const parsed = fromDraft(column, draft);
      if (parsed.ok) values[column.name] = parsed.value;
      else problems[column.name] = parsed.error;
    }
    setLocalErrors(problems);
    if (Object.keys(problems).length > 0) return;
    if (row) update.mutate({ projectId, table: table.name, id: row.id, values });
    else insert.mutate({ projectId, table: table.name, values });
  }

  return (
    <form aria-label={formLabel} className="card space-y-3" onSubmit={submit}>
      <h3 className="font-semibold">{formLabel}</h3>
      <div className="grid gap-3 sm:grid-cols-2">
        {table.columns.map((column) => {
          const id = `row-${table.name}-${column.name}`;
          return (
            <div key={column.id}>
              <label className="label" htmlFor={id}>
                {column.name}
                {column.required && <span className="text-red-600"> *</span>}
                <span className="ml-1 text-xs font-normal text-slate-500">{column.type}</span>
              </label>
              <ValueEditor
                projectId={projectId}
                column={column}
                id={id}
                draft={drafts[column.name] ?? ''}
                invalid={Boolean(errors[column.name])}
                onChange={(v) => setDrafts((d) => ({ ...d, [column.name]: v }))}
              />
              {errors[column.name] && <p className="field-error">{errors[column.name]}</p>}
            </div>
          );
        })}
      </div>
      {mutation.error && Object.keys(fieldErrors(mutation.error)).length === 0 && (
        <p role="alert" className="field-error">
          {errorMessage(mutation.error)}
        </p>
      )}
      <FormButtons pending={mutation.isPending} submitLabel={row ? 'Save row' : 'Add row'} onCancel={onDone} />
    </form>
  );
}
