import type { KeyboardEvent } from 'react';

export interface ShortcutActions {
  undo: () => void;
  redo: () => void;
  copy: () => void;
  paste: () => void;
  duplicate: () => void;
}

/**
 * The canvas's keyboard shortcuts (Ctrl/⌘ + Z, Shift+Z or Y, C, V, D), as a keydown handler for the
 * editor region. Keys typed into a field are left to the field.
 */
export function useShortcuts(actions: ShortcutActions) {
  return (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (target.closest('input, textarea, select, [contenteditable]')) return;
    if (!(e.metaKey || e.ctrlKey)) return;
    const key = e.key.toLowerCase();
    if (key === 'z' && !e.shiftKey) actions.undo();
    else if ((key === 'z' && e.shiftKey) || key === 'y') actions.redo();
    else if (key === 'c') actions.copy();
    else if (key === 'v') actions.paste();
    else if (key === 'd') actions.duplicate();
    else return;
    e.preventDefault();
  };
}
