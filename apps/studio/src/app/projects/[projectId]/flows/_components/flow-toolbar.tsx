import Link from 'next/link';
import type { ReactNode } from 'react';
import { useCan } from '~/lib/project-role';
import type { SaveState } from '../_hooks/use-autosave';
import { SaveStatus } from './save-status';

export type Panel = 'palette' | 'config' | 'test' | 'runs' | 'versions';

const PANEL_BUTTONS = [
  ['palette', 'Add step'],
  ['test', 'Test run'],
  ['runs', 'Runs'],
  ['versions', 'Versions'],
] as const;

/**
 * The editor's top bar: where you are, save state, problems, canvas tools, side panels and Publish.
 * Members who cannot change automations (finance, viewer) get only the tools that read: Copy and Zoom to fit.
 */
export function FlowToolbar(props: {
  projectId: number;
  name: string;
  system: boolean;
  saveState: SaveState;
  problemCount: number;
  canUndo: boolean;
  canRedo: boolean;
  hasSelectedNodes: boolean;
  hasSelection: boolean;
  panel: Panel;
  publishing: boolean;
  onUndo: () => void;
  onRedo: () => void;
  onCopy: () => void;
  onPaste: () => void;
  onDuplicate: () => void;
  onDelete: () => void;
  onLayout: () => void;
  onFit: () => void;
  onPanel: (panel: Panel) => void;
  onPublish: () => void;
  /** "Request review" when this payment flow goes live only through a second member's approval. */
  publishLabel?: string;
  /** False for roles that cannot publish (finance, viewer): no button. */
  canPublish?: boolean;
  /** Who else has this flow open (canvas-presence.tsx). */
  presence?: ReactNode;
}) {
  const canEdit = useCan()('flows.saveDraft');
  const tool = (label: string, onClick: () => void, disabled = false) => (
    <button type="button" className="btn-secondary" onClick={onClick} disabled={disabled}>
      {label}
    </button>
  );
  return (
    <div className="flex flex-wrap items-center gap-2 border-b border-slate-200 bg-white px-4 py-2">
      <Link href={`/projects/${props.projectId}/flows`} className="text-sm text-indigo-700 hover:underline">
        ← Automations
      </Link>
      <h1 className="text-lg font-semibold">{props.name}</h1>
      {props.system && (
        <span className="rounded-full bg-slate-800 px-2 py-0.5 text-xs font-semibold text-white">System</span>
      )}
      <SaveStatus state={props.saveState} />
      {props.presence}
      <span className="text-xs text-slate-500">
        {props.problemCount ? `${props.problemCount} problem(s)` : 'No problems'}
      </span>
      <div role="toolbar" aria-label="Canvas tools" className="ml-auto flex flex-wrap gap-1">
        {canEdit && tool('Undo', props.onUndo, !props.canUndo)}
        {canEdit && tool('Redo', props.onRedo, !props.canRedo)}
        {tool('Copy', props.onCopy, !props.hasSelectedNodes)}
        {canEdit && tool('Paste', props.onPaste)}
        {canEdit && tool('Duplicate', props.onDuplicate, !props.hasSelectedNodes)}
        {canEdit && tool('Delete', props.onDelete, !props.hasSelection)}
        {canEdit && tool('Auto-layout', props.onLayout)}
        {tool('Zoom to fit', props.onFit)}
        {PANEL_BUTTONS.map(([panel, label]) => (
          <button
            key={panel}
            type="button"
            className="btn-secondary"
            aria-pressed={props.panel === panel}
            onClick={() => props.onPanel(panel)}
          >
            {label}
          </button>
        ))}
        {props.canPublish !== false && (
          <button
            type="button"
            className="btn"
            onClick={props.onPublish}
            disabled={props.publishing || props.saveState === 'conflict'}
          >
            {props.publishLabel ?? 'Publish'}
          </button>
        )}
      </div>
    </div>
  );
}
