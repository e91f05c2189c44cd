import { X } from 'lucide-react';
import type { Notice } from '../_hooks/use-notice';
import type { Overlay } from './run-overlay';

/** The notice line (refusal or news, with Reload after a conflict) and the painted-run line. */
export function EditorBanners({
  notice,
  conflict,
  overlay,
  onDismiss,
  onClearRun,
}: {
  notice: Notice;
  conflict: boolean;
  overlay: Overlay;
  onDismiss: () => void;
  onClearRun: () => void;
}) {
  return (
    <>
      {notice && (
        <div
          role={notice.kind === 'error' ? 'alert' : 'status'}
          className={`flex items-start gap-2 px-4 py-2 text-sm ${notice.kind === 'error' ? 'bg-red-50 text-red-800' : 'bg-green-50 text-green-800'}`}
        >
          <p className="flex-1">{notice.text}</p>
          {conflict && (
            <button type="button" className="btn-secondary" onClick={() => window.location.reload()}>
              Reload
            </button>
          )}
          <button type="button" aria-label="Dismiss message" className="px-1" onClick={onDismiss}>
            <X aria-hidden="true" className="h-4 w-4" />
          </button>
        </div>
      )}
      {overlay && (
        <div role="status" className="flex items-center gap-2 bg-indigo-50 px-4 py-1.5 text-sm text-indigo-900">
          <span className="flex-1">Showing {overlay.title} on the canvas.</span>
          <button type="button" className="btn-secondary" onClick={onClearRun}>
            Clear run
          </button>
        </div>
      )}
    </>
  );
}
