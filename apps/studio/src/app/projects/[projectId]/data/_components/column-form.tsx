'use client';

import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { COLUMN_TYPES, type ColumnInfo, type ColumnType } from '@tillflow/data-model/types';
import { useState } from 'react';
import { COLUMN_TYPE_WORDS, tableWords } from '~/lib/column-types';
import { errorMessage, fieldErrors } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import { needsConfirmation } from './confirm';
import { FormButtons } from './form-parts';
import { fromDraft, toDraft } from './value-editor';

/** Adds a column, or changes one (rename, type, options, flags) when `column` is given. */
export function ColumnForm({
  projectId,
  table,
  column,
  onDone,
}: {
  projectId: number;
  table: string;
  column?: ColumnInfo;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tables = useQuery(trpc.dataModel.listTables.queryOptions({ projectId }));
  const [name, setName] = useState(column?.name ?? '');
  const [type, setType] = useState<ColumnType>(column?.type ?? 'text');
  const [options, setOptions] = useState((column?.enumOptions ?? []).join(', '));
  const [target, setTarget] = useState(column?.relationTable ?? '');
  const [required, setRequired] = useState(column?.required ?? false);
  const [unique, setUnique] = useState(column?.unique ?? false);
  const [defaultDraft, setDefaultDraft] = useState(
    column?.default === undefined ? '' : toDraft(column, column.default),
  );
  const [confirm, setConfirm] = useState(false);
  const onSuccess = async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.dataModel.pathKey() });
    onDone();
  };
  const add = useMutation(trpc.dataModel.addColumn.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.dataModel.updateColumn.mutationOptions({ onSuccess }));
  const mutation = column ? update : add;
  const errors = fieldErrors(mutation.error);
  const prefix = column ? `edit-${column.name}` : 'new-column';
  const title = column ? `Edit column ${column.name}` : 'New column';

  function submit(e: React.FormEvent) {
    e.preventDefault();
    const enumOptions = options
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean);
    const parsedDefault =
      defaultDraft === '' ? { ok: true as const, value: undefined } : fromDraft({ type }, defaultDraft);
    const def = {
      name,
      type,
      required,
      unique,
      ...(type === 'enum' ? { enumOptions } : {}),
      ...(type === 'relation' ? { relationTable: target } : {}),
      ...(parsedDefault.ok && parsedDefault.value !== undefined ? { default: parsedDefault.value } : {}),
      ...(column && defaultDraft === '' && column.default !== undefined ? { default: null } : {}),
    };
    if (column) update.mutate({ projectId, table, column: column.name, change: def, confirm });
    else add.mutate({ projectId, table, column: def });
  }

  return (
    <form aria-label={title} className="card space-y-3" onSubmit={submit}>
      <h3 className="font-semibold">{title}</h3>
      <div className="grid gap-3 sm:grid-cols-2">
        <div>
          <label className="label" htmlFor={`${prefix}-name`}>
            Column name
          </label>
          <input id={`${prefix}-name`} className="input" value={name} onChange={(e) => setName(e.target.value)} />
          {errors.name && <p className="field-error">{errors.name}</p>}
        </div>
        <div>
          <label className="label" htmlFor={`${prefix}-type`}>
            Type
          </label>
          <select
            id={`${prefix}-type`}
            className="input"
            value={type}
            onChange={(e) => setType(e.target.value as ColumnType)}
          >
            {COLUMN_TYPES.map((t) => (
              <option key={t} value={t}>
                {COLUMN_TYPE_WORDS[t]}
              </option>
            ))}
          </select>
        </div>
        {type === 'enum' && (
          <div className="sm:col-span-2">
            <label className="label" htmlFor={`${prefix}-options`}>
              Options (comma-separated)
            </label>
            <input
              id={`${prefix}-options`}
              className="input"
              value={options}
              placeholder="pending, paid, refunded"
              onChange={(e) => setOptions(e.target.value)}
            />
            {errors.enumOptions && <p className="field-error">{errors.enumOptions}</p>}
          </div>
        )}
        {type === 'relation' && (
          <div>
            <label className="label" htmlFor={`${prefix}-target`}>
              Points at table
            </label>
            <select
              id={`${prefix}-target`}
              className="input"
              value={target}
              onChange={(e) => setTarget(e.target.value)}
            >
              <option value="">— choose —</option>
              {tables.data?.map((t) => (
                <option key={t.id} value={t.name}>
                  {tableWords(t.name)}
                </option>
              ))}
            </select>
            {errors.relationTable && <p className="field-error">{errors.relationTable}</p>}
          </div>
        )}
        <div>
          <label className="label" htmlFor={`${prefix}-default`}>
            Default value
          </label>
          <input
            id={`${prefix}-default`}
            className="input"
            value={defaultDraft}
            onChange={(e) => setDefaultDraft(e.target.value)}
          />
          {errors.default && <p className="field-error">{errors.default}</p>}
        </div>
      </div>
      <div className="flex gap-4 text-sm">
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={required} onChange={(e) => setRequired(e.target.checked)} /> Required
        </label>
        <label className="flex items-center gap-1">
          <input type="checkbox" checked={unique} onChange={(e) => setUnique(e.target.checked)} /> Unique
        </label>
      </div>
      {mutation.error && (
        <p role="alert" className="field-error">
          {errorMessage(mutation.error)}
        </p>
      )}
      {column && needsConfirmation(mutation.error) && (
        <label className="flex items-center gap-1 text-sm text-red-700">
          <input type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} /> I understand, clear
          those values
        </label>
      )}
      <FormButtons pending={mutation.isPending} submitLabel={column ? 'Save column' : 'Add column'} onCancel={onDone} />
    </form>
  );
}
