import DataLoader from 'dataloader';
import type { EntityManager, EntityName, FilterQuery } from '@mikro-orm/postgresql';
import { WorkflowInstance } from '../workflow/workflow-instance.entity';
import type { Services } from '../app/services';
import { Fund } from '../funds/fund.entity';
import { Honour } from '../members/honour.entity';
import { Member } from '../members/member.entity';
import type { PersonalDataRead } from '../members/personal-data.service';
import { Organization } from '../organizations/organization.entity';
import { loadPeople, personCacheKey, type PersonKey, type PersonRow } from '../people/person.repository';

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

/**
 * Per-request batch loaders: every field that would otherwise query once per parent row goes through one of
 * these, so a page costs a constant number of statements whatever its size.
 */
export function createLoaders(em: EntityManager, services: Pick<Services, 'personalData'>) {
  /** Rows of one entity by id, a batch in one statement. */
  const byId = <T extends { id: string }>(entity: EntityName<T>) =>
    new DataLoader<string, T | undefined>(async (ids) => {
      const rows = await em.find(entity, { id: { $in: [...ids] } } as unknown as FilterQuery<T>);
      const found = new Map(rows.map((r) => [r.id, r]));
      return ids.map((id) => found.get(id));
    });
  return {
    organization: byId(Organization),
    member: byId(Member),
    instance: byId(WorkflowInstance),
    fundsByOwner: new DataLoader<string, Fund[]>(async (ownerIds) => {
      const rows = await em.find(Fund, { owner: { $in: [...ownerIds] } }, { orderBy: { kind: 'asc', id: 'asc' } });
      const byOwner = groupBy(rows, (f) => f.owner.id);
      return ownerIds.map((id) => byOwner.get(id) ?? []);
    }),
    /** Active members in each organisation's whole subtree, one statement for the batch. */
    memberCountByOrg: new DataLoader<string, number>(async (orgIds) => {
      // The driver spreads an array binding into a list, so it goes in `in (?)`, not `any(?)`.
      // ~>=~ / ~<~ are the byte-wise operators text_pattern_ops indexes serve; '~' sorts after every path character.
      const rows: { id: string; n: string }[] = await em.getConnection().execute(
        `select o.id, (select count(*) from member m
                        where m.org_path ~>=~ o.path and m.org_path ~<~ (o.path || '~') and m.status = 'ACTIVE') as n
           from organization o where o.id in (?)`,
        [[...orgIds]],
      );
      const byOrg = new Map(rows.map((r) => [r.id, Number(r.n)]));
      return orgIds.map((id) => byOrg.get(id) ?? 0);
    }),
    honoursByMember: new DataLoader<string, Honour[]>(async (memberIds) => {
      const rows = await em.find(Honour, { member: { $in: [...memberIds] } }, { orderBy: { year: 'desc', id: 'asc' } });
      const byMember = groupBy(rows, (h) => h.member!.id);
      return memberIds.map((id) => byMember.get(id) ?? []);
    }),
    /** People by name, with the organisation (and role, capacity) of the act they are shown for: one statement per batch. */
    person: new DataLoader<PersonKey, PersonRow | undefined, string>((keys) => loadPeople(em, keys), { cacheKeyFn: personCacheKey }),
    /** The access log: a page of unmasked ids costs one insert; a field read twice in a request is logged once. */
    personalDataReads: new DataLoader<PersonalDataRead, void, string>(
      async (reads) => {
        await services.personalData.record(em, reads);
        return reads.map(() => undefined);
      },
      { cacheKeyFn: (r) => `${r.accountId}/${r.memberId}/${r.field}/${r.operationName ?? ''}` },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
