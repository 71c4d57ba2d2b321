export interface Page<N = { id: string; name?: string }> {
  totalCount: number;
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/**
 * Walks a connection page by page, forward (first, after) from the start or backward (last, before) from the
 * end, checking each page's info on the way; returns every node in the list's order. `read` answers one page
 * for the page arguments given.
 */
export async function walkPages<N>(read: (args: Record<string, unknown>) => Promise<Page<N>>, size: number, direction: 'forward' | 'backward' = 'forward'): Promise<N[]> {
  const backward = direction === 'backward';
  const nodes: N[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 500; pages++) {
    const page = await read(backward ? { last: size, before: cursor } : { first: size, after: cursor });
    expect(page.edges.length).toBeLessThanOrEqual(size);
    // The way we came from there is more exactly when we started from a cursor.
    expect(backward ? page.pageInfo.hasNextPage : page.pageInfo.hasPreviousPage).toBe(cursor !== null);
    if (page.edges.length) {
      expect(page.pageInfo.startCursor).toBe(page.edges[0].cursor);
      expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1].cursor);
    }
    const edges = page.edges.map((e) => e.node);
    if (backward) nodes.unshift(...edges);
    else nodes.push(...edges);
    if (!(backward ? page.pageInfo.hasPreviousPage : page.pageInfo.hasNextPage)) return nodes;
    expect(page.edges).toHaveLength(size);
    cursor = backward ? page.pageInfo.startCursor : page.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}
