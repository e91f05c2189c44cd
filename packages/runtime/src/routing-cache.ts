// Ingestion caches endpoints and the flows listening on them for a moment;
// whoever changes either in this process clears it at once.
export const routingCache = new Map<string, unknown>();

export function invalidateRoutingCache(): void {
  routingCache.clear();
}
