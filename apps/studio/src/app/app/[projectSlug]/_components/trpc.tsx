'use client';

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import { createTRPCContext } from '@trpc/tanstack-react-query';
import { useState } from 'react';
import superjson from 'superjson';
import type { GeneratedAppApi } from '~/server/generated-app/http';

export const { TRPCProvider: AppTRPCProvider, useTRPC: useAppTRPC } = createTRPCContext<GeneratedAppApi>();

/** What each of the app's procedures takes and returns, e.g. `AppRouterOutputs['app']['myOrders']`. */
export type AppRouterInputs = inferRouterInputs<GeneratedAppApi>;
export type AppRouterOutputs = inferRouterOutputs<GeneratedAppApi>;

/**
 * The generated app talks only to its own endpoint under /app/<slug>, where
 * its session cookie is sent; the studio's /api/trpc never sees that cookie.
 */
export function AppProviders({ slug, children }: { slug: string; children: React.ReactNode }) {
  const [queryClient] = useState(
    () =>
      new QueryClient({
        defaultOptions: {
          queries: { staleTime: 2_000, retry: (n, e) => n < 2 && !/UNAUTHORIZED|NOT_FOUND|FORBIDDEN/.test(String(e)) },
        },
      }),
  );
  const [client] = useState(() => {
    const url = `/app/${slug}/api/trpc`;
    return createTRPCClient<GeneratedAppApi>({
      links: [
        splitLink({
          condition: (op) => op.type === 'subscription',
          true: httpSubscriptionLink({ url, transformer: superjson }),
          false: httpBatchLink({ url, transformer: superjson }),
        }),
      ],
    });
  });
  return (
    <QueryClientProvider client={queryClient}>
      <AppTRPCProvider trpcClient={client} queryClient={queryClient}>
        {children}
      </AppTRPCProvider>
    </QueryClientProvider>
  );
}
