import { describe, expect, it } from 'vitest';
import { makeQueryClient } from '~/trpc/query-client';

const flowKey = [['flows', 'get'], { input: { projectId: 1, flowId: 'f' }, type: 'query' }];
const tablesKey = [['dataModel', 'tables'], { input: { projectId: 1 }, type: 'query' }];

describe('studio refresh after a change', () => {
  it('marks every list stale after a successful change, but never the flow open in the editor (autosave would remount it)', async () => {
    const client = makeQueryClient();
    client.setQueryData(flowKey, { revision: 1 });
    client.setQueryData(tablesKey, []);
    await client
      .getMutationCache()
      .build(client, { mutationFn: async () => 'ok' })
      .execute(undefined);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(client.getQueryState(tablesKey)?.isInvalidated).toBe(true);
    expect(client.getQueryState(flowKey)?.isInvalidated).toBe(false);
  });
});
