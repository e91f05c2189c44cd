import { MutationCache, QueryClient } from '@tanstack/react-query';
import superjson from 'superjson';

export function makeQueryClient() {
  const queryClient: QueryClient = new QueryClient({
    // Every change a person makes in the studio can show on another screen (a table made in Data is offered
    // by Payments' activation, activation adds columns Data shows): after any successful change, everything
    // on screen refetches and everything cached is marked stale, so no list needs a reload.
    mutationCache: new MutationCache({
      onSuccess: () => void queryClient.invalidateQueries(),
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
