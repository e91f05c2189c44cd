'use client';

import { BaseEdge, EdgeLabelRenderer, type EdgeProps, getSmoothStepPath } from '@xyflow/react';
import { Plus } from 'lucide-react';
import { memo } from 'react';
import type { CanvasEdge } from './canvas-types';

/** A condition's ways out as a person reads them on the arrow: yes / no (a switch's own case names as written). */
const BRANCH_WORDS: Record<string, string> = { true: 'Yes', false: 'No', default: 'Otherwise' };
export function branchWords(branch: string): string {
  return BRANCH_WORDS[branch] ?? branch;
}

/** A connection with its branch label (true/false, switch case) and a button to insert a node on it. */
export const FlowEdgeLine = memo(function FlowEdgeLine(props: EdgeProps<CanvasEdge>) {
  const { id, data, selected, markerEnd } = props;
  const [path, x, y] = getSmoothStepPath(props);
  const stroke = data?.issue ? '#dc2626' : data?.taken ? '#16a34a' : selected ? '#6366f1' : '#94a3b8';
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={{ stroke, strokeWidth: data?.taken ? 3 : 1.5 }} />
      <EdgeLabelRenderer>
        <div
          className="nodrag nopan pointer-events-auto absolute flex items-center gap-1"
          style={{ transform: `translate(-50%, -50%) translate(${x}px, ${y}px)` }}
        >
          {data?.branch && (
            <span className="rounded bg-white px-1.5 text-xs font-medium text-slate-700 shadow ring-1 ring-slate-200">
              {branchWords(data.branch)}
            </span>
          )}
          {!data?.locked && data?.onInsert && (
            <button
              type="button"
              className="flex h-6 w-6 items-center justify-center rounded-full border border-slate-300 bg-white text-slate-600 shadow-sm hover:border-indigo-400 hover:bg-indigo-50"
              aria-label={`Insert a step between ${data.sourceLabel} and ${data.targetLabel}`}
              title="Insert a step here"
              onClick={() => data.onInsert?.(id)}
            >
              <Plus aria-hidden="true" className="h-4 w-4" />
            </button>
          )}
        </div>
      </EdgeLabelRenderer>
    </>
  );
});
