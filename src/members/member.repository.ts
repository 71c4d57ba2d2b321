import type { EntityManager } from '@mikro-orm/postgresql';
import { type Connection, type KeysetPage, rowPage } from '../common/connection';
import { type Conditions, pgArray, runSql, withDate } from '../db/sql';
import type { Selection } from '../graphql/selection';
import { isOrganizationField, organizationFieldsOf, type OrganizationRow, shapeOrganization } from '../organizations/organization.repository';
import type { HonourLevel } from './honour.entity';
import type { EmploymentForm, Gender, HardshipStatus, Member, MemberStatus } from './member.entity';

/**
 * A member as the API reads it: a plain row, never a managed entity. A list reads only the columns its selection
 * needs (id, name, union and path always), so a row of a page may lack the others.
 */
export interface MemberRow {
  id: string;
  name: string;
  gender: Gender;
  nationalIdCipher: string;
  nationalIdMasked: string;
  phoneCipher: string | null;
  phoneMasked: string | null;
  organizationId: string;
  orgPath: string;
  employmentForm: EmploymentForm;
  joinedOn: string;
  status: MemberStatus;
  hardship: HardshipStatus;
  createdAt: Date;
  /** The member's union, when the page's statement joined it in (its id, path and the fields selected of it). */
  joinedOrganization?: OrganizationRow;
}

export interface HonourRow {
  id: string;
  memberId: string | null;
  organizationId: string | null;
  award: string;
  level: HonourLevel;
  year: number;
}

/** What every read needs: the order key, and what the policy and the union's field read. */
const ALWAYS = ['m.id', 'm.name', 'm.org_path as "orgPath"', 'm.organization_id as "organizationId"'];

/** The columns behind each other GraphQL field of a member. */
const BY_FIELD: Record<string, string[]> = {
  gender: ['m.gender'],
  employmentForm: ['m.employment_form as "employmentForm"'],
  joinedOn: ['m.joined_on as "joinedOn"'],
  status: ['m.status'],
  hardship: ['m.hardship'],
  createdAt: ['m.created_at as "createdAt"'],
  nationalId: ['m.national_id_cipher as "nationalIdCipher"', 'm.national_id_masked as "nationalIdMasked"'],
  phone: ['m.phone_cipher as "phoneCipher"', 'm.phone_masked as "phoneMasked"'],
};

const ALL = [...ALWAYS, ...Object.values(BY_FIELD).flat()].join(', ');
const BY_NAME = [{ column: 'm.name' }, { column: 'm.id', cast: '::uuid' }];
/** Joined columns of the union are read as `org.<field>` and nested into `joinedOrganization`. */
const ORG_PREFIX = 'org.';

/** The plain row of a member written through the unit of work (a mutation answers with it). */
export const memberRowOf = (m: Member): MemberRow => ({
  id: m.id,
  name: m.name,
  gender: m.gender,
  nationalIdCipher: m.nationalIdCipher,
  nationalIdMasked: m.nationalIdMasked,
  phoneCipher: m.phoneCipher,
  phoneMasked: m.phoneMasked,
  organizationId: m.organization.id,
  orgPath: m.orgPath,
  employmentForm: m.employmentForm,
  joinedOn: m.joinedOn,
  status: m.status,
  hardship: m.hardship,
  createdAt: m.createdAt,
});

/** The member module's SQL: reads return plain rows shaped for the API. */
export class MemberRepository {
  async byIds(em: EntityManager, ids: readonly string[]): Promise<MemberRow[]> {
    return (await runSql<MemberRow>(em, `select ${ALL} from member m where m.id = any(?::uuid[])`, [pgArray(ids)])).rows.map(shapeMember);
  }

  async byId(em: EntityManager, id: string): Promise<MemberRow | undefined> {
    return (await runSql<MemberRow>(em, `select ${ALL} from member m where m.id = ?`, [id])).rows.map(shapeMember)[0];
  }

  /**
   * A page ordered by name, id; `where` names the table `m`. Reads the columns `node` selects, and the union's
   * selected fields in the same statement when `organization` is selected with more than its id (its path is the member's).
   */
  page(em: EntityManager, where: Conditions, page: KeysetPage, node: Selection): Promise<Connection<MemberRow>> {
    const columns = [...ALWAYS];
    for (const name of node.names()) columns.push(...(BY_FIELD[name] ?? []));
    const orgFields = [...node.get('organization').names()].filter(isOrganizationField).filter((f) => f !== 'id' && f !== 'path');
    const withUnion = orgFields.length > 0;
    if (withUnion) columns.push(organizationFieldsOf('m.organization_id', orgFields, ORG_PREFIX));
    return rowPage<MemberRow>(
      em,
      {
        select: columns.join(', '),
        from: 'member m',
        where,
        orderBy: BY_NAME,
        keyOf: (m) => [m.name, m.id],
        shape: withUnion ? nestOrganization : shapeMember,
      },
      page,
    );
  }

  async honoursOfMembers(em: EntityManager, memberIds: readonly string[]): Promise<HonourRow[]> {
    const { rows } = await runSql<HonourRow>(
      em,
      `select id, member_id as "memberId", organization_id as "organizationId", award, level, year
         from honour where member_id = any(?::uuid[]) order by year desc, id`,
      [pgArray(memberIds)],
    );
    return rows;
  }
}

/** A row as read (dates as PostgreSQL prints them: `joinedOn` stays a 'YYYY-MM-DD' string, `createdAt` becomes a Date). */
const shapeMember = (row: object) => withDate(row as MemberRow, 'createdAt');

/**
 * Copies the `org.` columns of a row into its `joinedOrganization`, with the union's id and path (which the member
 * row holds). They stay on the row too: deleting keys would slow every later read of the row, and nothing shows them.
 */
function nestOrganization(row: Record<string, unknown>): MemberRow {
  const member = shapeMember(row);
  const org: Record<string, unknown> = { id: member.organizationId, path: member.orgPath };
  for (const key in row) if (key.startsWith(ORG_PREFIX)) org[key.slice(ORG_PREFIX.length)] = row[key];
  member.joinedOrganization = shapeOrganization(org);
  return member;
}
