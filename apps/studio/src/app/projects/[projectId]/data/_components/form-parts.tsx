'use client';

/**
 * The Data section's shared pieces: a form's Save/Cancel row, a table row's Edit/Remove links, and the header cell
 * above those links.
 */

export function FormButtons({
  pending,
  submitLabel,
  onCancel,
}: {
  pending: boolean;
  submitLabel: string;
  onCancel: () => void;
}) {
  return (
    <div className="flex gap-2">
      <button className="btn" type="submit" disabled={pending}>
        {submitLabel}
      </button>
      <button className="btn-secondary" type="button" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}

/** Edit and remove links at the end of a table row; `what` names the row for screen readers ("column email"). */
export function EditRemoveLinks({
  what,
  removeWord,
  onEdit,
  onRemove,
}: {
  what: string;
  removeWord: 'Remove' | 'Delete';
  onEdit: () => void;
  onRemove: () => void;
}) {
  return (
    <>
      <button type="button" className="text-indigo-700" aria-label={`Edit ${what}`} onClick={onEdit}>
        Edit
      </button>
      <button type="button" className="ml-3 text-red-700" aria-label={`${removeWord} ${what}`} onClick={onRemove}>
        {removeWord}
      </button>
    </>
  );
}

/** The header cell above a table's Edit/Remove links: empty on screen, "Actions" for screen readers. */
export function ActionsHeader() {
  return (
    <th className="px-3 py-2">
      <span className="sr-only">Actions</span>
    </th>
  );
}
