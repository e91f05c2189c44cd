import type { StepOverlay } from './canvas-types';

// A run (or test run) painted on the canvas: each step's status, data and branch, by node.

export type Overlay = { title: string; steps: Map<string, StepOverlay> } | null;

/** What a test run's steps and a stored run's steps both have: a step's overlay, by node. */
export interface StepLike extends StepOverlay {
  nodeId: string;
}

export const toOverlay = (title: string, steps: StepLike[]): Overlay => ({
  title,
  steps: new Map(steps.filter((s) => s.status !== 'skipped').map((s) => [s.nodeId, s])),
});
