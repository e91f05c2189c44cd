'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useParams } from 'next/navigation';
import { useAppTRPC } from './trpc';

export function useSlug(): string {
  const params = useParams<{ projectSlug: string }>();
  return params.projectSlug;
}

export function useAppInfo() {
  const trpc = useAppTRPC();
  const projectSlug = useSlug();
  return useQuery(trpc.app.info.queryOptions({ projectSlug }));
}

/**
 * Keeps the page's queries fresh from the change stream: every change the
 * server lets this user see refetches the lists it may belong to. The link
 * resumes with the last event id after a dropped connection.
 */
export function useLiveTables(tables?: string[]) {
  const trpc = useAppTRPC();
  const projectSlug = useSlug();
  const queryClient = useQueryClient();
  const subscription = useSubscription(
    trpc.app.changes.subscriptionOptions(
      { projectSlug, tables },
      {
        onData: () => {
          void queryClient.invalidateQueries({ queryKey: trpc.app.myOrders.queryKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.app.mySubscriptions.queryKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.app.adminPayments.queryKey() });
        },
      },
    ),
  );
  return subscription.status;
}
