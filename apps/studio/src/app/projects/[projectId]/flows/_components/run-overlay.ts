import type { StepOverlay } from './canvas-types';

// A run (or test run) painted on the canvas: each step's status, data and branch, by node.

export type Overlay = { title: string; steps: Map<string, StepOverlay> } | null;

/** What a test run's steps and a stored run's steps both have. */
export interface StepLike {
  nodeId: string;
  status: string;
  input?: unknown;
  output?: unknown;
  error?: string | null;
  durationMs?: number | null;
  branch?: string | null;
}

export const toOverlay = (title: string, steps: StepLike[]): Overlay => ({
  title,
  steps: new Map(steps.filter((s) => s.status !== 'skipped').map((s) => [s.nodeId, s])),
});
