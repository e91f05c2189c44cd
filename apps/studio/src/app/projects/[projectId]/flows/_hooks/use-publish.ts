import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FlowDefinition, publishRefusedMessage, type ValidationIssue } from '@tillflow/flow-model';
import { useState } from 'react';
import { errorMessage } from '~/lib/trpc-errors';
import { useTRPC } from '~/trpc/react';
import type { NoticeActions } from './use-notice';

/**
 * Publish: saves first, refuses in place while the validator lists problems (the server checks again),
 * and remembers what went live so locked-node checks compare with it.
 */
export function usePublish(options: {
  projectId: number;
  flowId: string;
  definition: FlowDefinition;
  initialPublished: FlowDefinition | null;
  save: () => Promise<boolean>;
  notice: NoticeActions;
}) {
  const { projectId, flowId, definition, save, notice } = options;
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [published, setPublished] = useState(options.initialPublished);
  const mutation = useMutation(trpc.flows.publish.mutationOptions());

  /** `issues`: what the validator says about the draft now. */
  const publish = async (issues: ValidationIssue[]) => {
    if (!(await save())) return;
    if (issues.length) return notice.error(publishRefusedMessage(issues));
    try {
      const r = await mutation.mutateAsync({ projectId, flowId });
      setPublished(definition);
      notice.info(`Published version ${r.version}.`);
      await queryClient.invalidateQueries({ queryKey: trpc.flows.versions.queryKey({ projectId, flowId }) });
    } catch (error) {
      notice.error(errorMessage(error));
    }
  };

  /** Another way live (a review approved here): what the locked-node checks compare with from now on. */
  const markPublished = (d: FlowDefinition) => setPublished(d);
  return { published, publish, markPublished, isPublishing: mutation.isPending };
}
