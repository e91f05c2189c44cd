import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, TRPCClientError, type TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { ReactNode } from 'react';
import type { MemberRole } from '~/lib/member-roles';
import { ProjectRoleProvider } from '~/lib/project-role';
import type { StudioRouter } from '~/server/api/root';
import { TRPCProvider } from '~/trpc/react';

// Studio screens in component tests, their queries answered by the server's own procedures (no HTTP).

/** A tRPC client link that calls the server's procedures as `caller` (a `createCaller` of the studio's router). */
export function callerLink(caller: unknown): TRPCLink<StudioRouter> {
  return () =>
    ({ op }) =>
      observable((observer) => {
        if (op.type === 'subscription') return () => {};
        const procedure = op.path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], caller);
        (procedure as (input: unknown) => Promise<unknown>)(op.input).then(
          (data) => {
            observer.next({ result: { type: 'data', data } });
            observer.complete();
          },
          (error: unknown) => observer.error(TRPCClientError.from(error as Error)),
        );
        return () => {};
      });
}

/**
 * Wraps a studio screen in the providers it needs, its queries answered as `caller` and seen as a member with
 * `role` (no role: without the project-role context). The wraps of one call share a query cache.
 */
export function asMember(caller: unknown, role?: MemberRole) {
  const queryClient = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const trpcClient = createTRPCClient<StudioRouter>({ links: [callerLink(caller)] });
  return (ui: ReactNode) => (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {role ? <ProjectRoleProvider role={role}>{ui}</ProjectRoleProvider> : ui}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
