import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { WorkflowInstance } from '../workflow/workflow-instance.entity';
import type { Services } from '../app/services';
import type { PersonalDataRead } from '../members/personal-data.service';

function groupBy<T>(rows: T[], key: (row: T) => string): Map<string, T[]> {
  const map = new Map<string, T[]>();
  for (const row of rows) {
    const k = key(row);
    const list = map.get(k);
    if (list) list.push(row);
    else map.set(k, [row]);
  }
  return map;
}

/** Rows by id, a batch in one statement; an id not found loads as undefined. */
function byId<T extends { id: string }>(read: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T | undefined>(async (ids) => {
    const found = new Map((await read(ids)).map((r) => [r.id, r]));
    return ids.map((id) => found.get(id));
  });
}

/** Rows of each parent, in the order read, a batch in one statement. */
function byParent<T>(read: (ids: readonly string[]) => Promise<T[]>, parentOf: (row: T) => string) {
  return new DataLoader<string, T[]>(async (ids) => {
    const groups = groupBy(await read(ids), parentOf);
    return ids.map((id) => groups.get(id) ?? []);
  });
}

/**
 * Per-request batch loaders: every field that would otherwise query once per parent row goes through one of
 * these, so a page costs a constant number of statements whatever its size. They read plain rows through the
 * modules' repositories (the workflow instance aside); each is made when a request first uses it.
 */
export function createLoaders(
  sql: EntityManager,
  orm: () => EntityManager,
  services: Pick<Services, 'personalData' | 'members' | 'organizations' | 'funds'>,
) {
  const members = services.members.repository;
  const organizations = services.organizations.repository;
  const funds = services.funds.repository;
  const made = {
    organization: () => byId((ids) => organizations.byIds(sql, ids)),
    member: () => byId((ids) => members.byIds(sql, ids)),
    instance: () =>
      byId(async (ids) => orm().find(WorkflowInstance, { id: { $in: [...ids] } })),
    ledgerEntry: () => byId((ids) => funds.entriesByIds(sql, ids)),
    fundsByOwner: () => byParent((ids) => funds.ofOwners(sql, ids), (f) => f.ownerId),
    /** Active members in each organisation's whole subtree, one statement for the batch. */
    memberCountByOrg: () =>
      new DataLoader<string, number>(async (ids) => {
        const counts = await organizations.memberCounts(sql, ids);
        return ids.map((id) => counts.get(id) ?? 0);
      }),
    honoursByMember: () => byParent((ids) => members.honoursOfMembers(sql, ids), (h) => h.memberId!),
    /** The access log: a page of unmasked ids costs one insert; a field read twice in a request is logged once. */
    personalDataReads: () =>
      new DataLoader<PersonalDataRead, void, string>(
        async (reads) => {
          await services.personalData.record(orm(), reads);
          return reads.map(() => undefined);
        },
        { cacheKeyFn: (r) => `${r.accountId}/${r.memberId}/${r.field}/${r.operationName ?? ''}` },
      ),
  };
  // Most requests use one or two of these: each is made on first use, not for every request.
  const loaders = {} as { [K in keyof typeof made]: ReturnType<(typeof made)[K]> };
  for (const key of Object.keys(made) as (keyof typeof made)[]) {
    Object.defineProperty(loaders, key, {
      get() {
        const loader = made[key]();
        Object.defineProperty(loaders, key, { value: loader });
        return loader;
      },
      configurable: true,
    });
  }
  return loaders;
}

export type Loaders = ReturnType<typeof createLoaders>;
