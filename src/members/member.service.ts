import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { type KeyKind, keysetPage, PageArgs } from '../common/connection';
import { badInput, conflict, notFound } from '../common/errors';
import { newId, parseId } from '../common/ids';
import { scopeSql } from '../common/subtree';
import { Conditions } from '../db/sql';
import type { Selection } from '../graphql/selection';
import type { SubtreeRoots } from '../organizations/subtree-roots';
import { text } from '../common/validate';
import { Organization, OrganizationLevel } from '../organizations/organization.entity';
import { Member, memberTarget, MemberStatus } from './member.entity';
import { type MemberRepository, type MemberRow, memberRowOf } from './member.repository';
import type { MemberFilter, RegisterMemberInput, UpdateMemberInput } from './member.types';
import { isValidNationalId, isValidPhone, normalizeNationalId, normalizePhone } from './personal-data';
import type { PersonalDataCipher } from './personal-data.cipher';

/** Lists are ordered by name, then id. */
const BY_NAME: KeyKind[] = ['string', 'uuid'];

export class MemberService {
  constructor(
    private readonly cipher: PersonalDataCipher,
    readonly repository: MemberRepository,
    private readonly subtrees: SubtreeRoots,
  ) {}

  async get(em: EntityManager, viewer: Viewer, id: string): Promise<MemberRow> {
    const member = await this.repository.byId(em, parseId(id));
    // Out of scope reads as not found: a member's existence is itself personal data.
    if (!member) throw notFound('Member');
    authorize(viewer, 'member.read', memberTarget(member), { hideAs: 'Member' });
    return member;
  }

  /** A page of the members in the viewer's scope, reading what `node` (the selection of each member) asks for. */
  async list(em: EntityManager, viewer: Viewer, filter: MemberFilter = {}, page: PageArgs, node: Selection) {
    const keyset = keysetPage(page, BY_NAME);
    const scope = scopeSql('m.org_path', scopes(viewer, 'member.read'), viewer.member ? { sql: 'm.id = ?', params: [viewer.member.id] } : undefined);
    const where = new Conditions();
    if (filter.employmentForm) where.add('m.employment_form = ?', filter.employmentForm);
    if (filter.hardship) where.add('m.hardship = ?', filter.hardship);
    if (filter.status) where.add('m.status = ?', filter.status);
    if (filter.namePrefix) {
      const prefix = text(filter.namePrefix, 'filter.namePrefix', { max: 50 }).replace(/[\\%_]/g, '\\$&');
      where.add('m.name like ?', `${prefix}%`);
    }
    const read = (w: Conditions) => this.repository.page(em, w, keyset, node);
    if (!filter.subtreeOf) return read(where.with(scope.sql, ...scope.params));
    return this.subtrees.read(em, { id: filter.subtreeOf, field: 'filter.subtreeOf', column: 'm.org_path', where, scope }, read);
  }

  async register(em: EntityManager, viewer: Viewer, input: RegisterMemberInput): Promise<MemberRow> {
    const org = await this.grassrootsUnion(em, viewer, input.organizationId, 'input.organizationId');
    // The id is chosen first: it is authenticated with the ciphertexts.
    const id = newId();
    const member = em.create(Member, {
      id,
      name: text(input.name, 'input.name', { max: 50 }),
      gender: input.gender,
      ...this.cipher.seal(id, this.nationalId(input.nationalId), this.phone(input.phone)),
      organization: org,
      orgPath: org.path,
      employmentForm: input.employmentForm,
      joinedOn: this.date(input.joinedOn),
    });
    await this.flush(em);
    return memberRowOf(member);
  }

  async update(em: EntityManager, viewer: Viewer, id: string, input: UpdateMemberInput): Promise<MemberRow> {
    const member = await this.editable(em, viewer, id);
    if (input.name != null) member.name = text(input.name, 'input.name', { max: 50 });
    if (input.phone !== undefined) Object.assign(member, this.cipher.sealPhone(member.id, this.phone(input.phone)));
    if (input.employmentForm) member.employmentForm = input.employmentForm;
    if (input.hardship) member.hardship = input.hardship;
    if (input.status) {
      if (input.status === MemberStatus.TRANSFERRED) {
        throw badInput('Use transferMember to move a member', 'input.status', 'USE_TRANSFER');
      }
      member.status = input.status;
    }
    await this.flush(em);
    return memberRowOf(member);
  }

  /** Moves a member to another grassroots union; the viewer must keep the register on both sides. */
  async transfer(em: EntityManager, viewer: Viewer, id: string, toOrganizationId: string): Promise<MemberRow> {
    const member = await this.editable(em, viewer, id);
    if (member.status === MemberStatus.LEFT) throw conflict('A member who has left cannot be transferred', 'MEMBER_LEFT');
    const target = await this.grassrootsUnion(em, viewer, toOrganizationId, 'toOrganizationId');
    if (target.id === member.organization.id) throw badInput('The member already belongs to that union', 'toOrganizationId', 'SAME_ORGANIZATION');
    member.organization = target;
    member.orgPath = target.path;
    member.status = MemberStatus.ACTIVE;
    await this.flush(em);
    return memberRowOf(member);
  }

  /** The managed entity, for a write: read as `get` reads it (not found out of scope), then checked for `member.update`. */
  private async editable(em: EntityManager, viewer: Viewer, id: string) {
    const member = await em.findOne(Member, { id: parseId(id) });
    if (!member) throw notFound('Member');
    authorize(viewer, 'member.read', memberTarget(member), { hideAs: 'Member' });
    authorize(viewer, 'member.update', { path: member.orgPath }, { message: 'Only the union’s approvers or administrators may change its members' });
    return member;
  }

  private async grassrootsUnion(em: EntityManager, viewer: Viewer, id: string, field: string) {
    const org = await em.findOne(Organization, { id: parseId(id, field) });
    if (!org) throw notFound('Organization');
    authorize(viewer, 'member.register', { path: org.path }, { message: 'Only the union’s approvers or administrators may register its members' });
    if (org.level !== OrganizationLevel.GRASSROOTS) throw badInput('Members belong to grassroots unions', field, 'NOT_GRASSROOTS');
    return org;
  }

  private nationalId(value: string) {
    const id = normalizeNationalId(value);
    if (!isValidNationalId(id)) throw badInput('nationalId is not a valid 18-character identity number', 'input.nationalId', 'BAD_NATIONAL_ID');
    return id;
  }

  private phone(value: string | null | undefined) {
    if (value === undefined || value === null || value.trim() === '') return undefined;
    const phone = normalizePhone(value);
    if (!isValidPhone(phone)) throw badInput('phone must be an 11-digit mobile number', 'input.phone', 'BAD_PHONE');
    return phone;
  }

  private date(value: string) {
    const today = new Date().toISOString().slice(0, 10);
    if (value > today || value < '1925-01-01') throw badInput('joinedOn must be a past date', 'input.joinedOn', 'BAD_DATE');
    return value;
  }

  private async flush(em: EntityManager) {
    try {
      await em.flush();
    } catch (error) {
      // The only unique key is the national id's blind index; the value itself is personal data and stays out of the message.
      if (error instanceof UniqueConstraintViolationException) throw conflict('A member with this national id is already registered', 'DUPLICATE_NATIONAL_ID');
      throw error;
    }
  }
}
