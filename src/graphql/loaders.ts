import DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import { plainRowsById } from '../db/plain-rows';
import type { Services } from '../app/services';
import type { WorkflowSubject } from '../workflow/workflow-subject.entity';
import type { PersonalDataRead } from '../members/personal-data.service';
import type { HistoryRow } from '../workflow/history.repository';
import type { Viewer } from '../auth/viewer';
import type { ActiveDelegation } from '../delegation/delegation.store';
import { loadPeople, personCacheKey, type PersonKey, type PersonRow } from '../people/person.repository';

/** Where a subject row keeps the GraphQL type it is answered as (the WorkflowSubject union resolves by it). */
export const SUBJECT_TYPE = Symbol('subjectType');
export type SubjectRow = WorkflowSubject & { [SUBJECT_TYPE]: string };

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

type LoaderServices = Pick<Services, 'personalData' | 'members' | 'organizations' | 'funds' | 'subjects' | 'workflow' | 'delegations'>;

/**
 * Per-request batch loaders: every field that would otherwise query once per parent row goes through one of
 * these, so a page costs a constant number of statements whatever its size. They read plain rows through the
 * modules' repositories (the workflow instance aside). Most requests use one or two: each is made on first use,
 * not for every request.
 */
export class Loaders {
  private made: Partial<Record<string, unknown>> = {};

  constructor(
    private readonly sql: EntityManager,
    private readonly orm: () => EntityManager,
    private readonly services: LoaderServices,
  ) {}

  private once<T>(key: string, make: () => T): T {
    return (this.made[key] ??= make()) as T;
  }

  get organization() {
    return this.once('organization', () => byId((ids) => this.services.organizations.repository.byIds(this.sql, ids)));
  }

  get member() {
    return this.once('member', () => byId((ids) => this.services.members.repository.byIds(this.sql, ids)));
  }

  /** Instances as plain rows: a page's instances are read, never changed, in the request. */
  get instance() {
    return this.once('instance', () =>
      byId(async (ids) => {
        return this.services.workflow.instanceRows.byIds(this.sql, ids);
      }),
    );
  }

  /** Workflow subjects (applications, expenses, nominations) as plain rows, one statement per subject type in the batch. */
  get subject() {
    return this.once(
      'subject',
      () =>
        new DataLoader<{ type: string; id: string }, SubjectRow | undefined, string>(
          async (keys) => {
            const found = new Map<string, SubjectRow>();
            for (const [type, list] of groupBy([...keys], (k) => k.type)) {
              const module = this.services.subjects.get(type);
              const rows = await plainRowsById(this.sql, module.entity, list.map((k) => k.id));
              for (const row of rows) if (row) found.set(`${type}/${row.id}`, { ...row, [SUBJECT_TYPE]: module.graphqlType });
            }
            return keys.map((k) => found.get(`${k.type}/${k.id}`));
          },
          { cacheKeyFn: (k) => `${k.type}/${k.id}` },
        ),
    );
  }

  /** Each instance's history (up to the seq it is shown at), a page of instances in one statement. */
  get history() {
    return this.once(
      'history',
      () =>
        new DataLoader<{ id: string; seq: number }, HistoryRow[], string>((instances) => this.services.workflow.instanceHistories(this.sql, instances), {
          cacheKeyFn: (i) => `${i.id}/${i.seq}`,
        }),
    );
  }

  /** People by name, with the organisation (and role, capacity) of the act they are shown for: one statement per batch. */
  get person() {
    return this.once('person', () => new DataLoader<PersonKey, PersonRow | undefined, string>((keys) => loadPeople(this.sql, keys), { cacheKeyFn: personCacheKey }));
  }

  /** Whom the viewer stands in for now (代理), as the inbox lists it (`DelegationService.listedFor`, cached a few seconds): once per request, whatever the number of tasks asking. */
  actingFor(viewer: Viewer): Promise<ActiveDelegation[]> {
    return this.once(`actingFor:${viewer.accountId}`, () => this.services.delegations.listedFor(this.sql, viewer));
  }

  get ledgerEntry() {
    return this.once('ledgerEntry', () => byId((ids) => this.services.funds.repository.entriesByIds(this.sql, ids)));
  }

  get fundsByOwner() {
    return this.once('fundsByOwner', () => byParent((ids) => this.services.funds.repository.ofOwners(this.sql, ids), (f) => f.ownerId));
  }

  /** Active members in each organisation's whole subtree, one statement for the batch. */
  get memberCountByOrg() {
    return this.once(
      'memberCountByOrg',
      () =>
        new DataLoader<string, number>(async (ids) => {
          const counts = await this.services.organizations.repository.memberCounts(this.sql, ids);
          return ids.map((id) => counts.get(id) ?? 0);
        }),
    );
  }

  get honoursByMember() {
    return this.once('honoursByMember', () => byParent((ids) => this.services.members.repository.honoursOfMembers(this.sql, ids), (h) => h.memberId!));
  }

  /** The access log: a page of unmasked ids costs one insert; a field read twice in a request is logged once. */
  get personalDataReads() {
    return this.once(
      'personalDataReads',
      () =>
        new DataLoader<PersonalDataRead, void, string>(
          async (reads) => {
            await this.services.personalData.record(this.orm(), reads);
            return reads.map(() => undefined);
          },
          { cacheKeyFn: (r) => `${r.accountId}/${r.memberId}/${r.field}/${r.operationName ?? ''}` },
        ),
    );
  }
}
