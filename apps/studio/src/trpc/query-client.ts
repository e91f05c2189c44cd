import { MutationCache, QueryClient } from '@tanstack/react-query';
import superjson from 'superjson';

/** tRPC keys are `[['flows', 'get'], { input, type }]`. */
export function isOpenFlow(queryKey: readonly unknown[]): boolean {
  const path = queryKey[0];
  return Array.isArray(path) && path[0] === 'flows' && path[1] === 'get';
}

export function makeQueryClient() {
  const queryClient: QueryClient = new QueryClient({
    // Every change a person makes in the studio can show on another screen (a table made in Data is offered
    // by Payments' activation, activation adds columns Data shows): after any successful change, everything
    // on screen refetches and everything cached is marked stale, so no list needs a reload.
    // The flow being edited is the exception: the editor owns its draft (autosave, undo history, selection) and
    // is keyed by the loaded revision, so refetching it after each autosave would remount the canvas mid-edit.
    mutationCache: new MutationCache({
      onSuccess: () => void queryClient.invalidateQueries({ predicate: (query) => !isOpenFlow(query.queryKey) }),
    }),
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (count, error) => count < 2 && !/UNAUTHORIZED|NOT_FOUND|FORBIDDEN/.test(String(error)),
      },
      dehydrate: { serializeData: superjson.serialize },
      hydrate: { deserializeData: superjson.deserialize },
    },
  });
  return queryClient;
}
