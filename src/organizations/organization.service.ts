import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { authorize, scopes } from '../auth/authorization.policy';
import type { Viewer } from '../auth/viewer';
import { type KeyKind, keysetPage, PageArgs } from '../common/connection';
import { badInput, conflict, notFound } from '../common/errors';
import { parseId } from '../common/ids';
import { covers, scopeSql } from '../common/subtree';
import { Conditions } from '../db/sql';
import { text } from '../common/validate';
import { ALLOWED_PARENT_LEVELS, childPath, Organization } from './organization.entity';
import { type OrganizationRow, organizationRowOf, type OrganizationRepository } from './organization.repository';
import type { CreateOrganizationInput, OrganizationFilter, UpdateOrganizationInput } from './organization.types';

const CODE = /^[A-Z0-9][A-Z0-9-]{1,31}$/;
/** Lists are ordered by name, then id. */
const BY_NAME: KeyKind[] = ['string', 'uuid'];

export class OrganizationService {
  constructor(readonly repository: OrganizationRepository) {}

  /** What a viewer may list: the subtrees of their staff roles, plus the chains of ancestors above their roots. */
  private visible(viewer: Viewer): Conditions {
    const scope = scopeSql('o.path', scopes(viewer, 'organization.read'));
    return new Conditions().add(scope.sql, ...scope.params);
  }

  async get(em: EntityManager, viewer: Viewer, ref: { id?: string; code?: string }): Promise<OrganizationRow> {
    if (Boolean(ref.id) === Boolean(ref.code)) throw badInput('Give exactly one of id or code', 'id', 'ONE_OF');
    const org = ref.id
      ? await this.repository.byId(em, parseId(ref.id))
      : await this.repository.byCode(em, text(ref.code!, 'code', { max: 32 }));
    if (!org) throw notFound('Organization');
    authorize(viewer, 'organization.read', { path: org.path }, { message: 'This organization is outside your scope' });
    return org;
  }

  async list(em: EntityManager, viewer: Viewer, filter: OrganizationFilter = {}, page: PageArgs) {
    const keyset = keysetPage(page, BY_NAME);
    const where = this.visible(viewer);
    if (filter.level) where.add('o.level = ?', filter.level);
    if (filter.kind) where.add('o.kind = ?', filter.kind);
    if (filter.parentId) where.add('o.parent_id = ?', parseId(filter.parentId, 'filter.parentId'));
    if (filter.subtreeOf) {
      const root = await this.get(em, viewer, { id: filter.subtreeOf });
      where.add('o.path like ?', `${root.path}%`);
    }
    if (filter.nameContains) {
      const needle = text(filter.nameContains, 'filter.nameContains', { max: 100 }).replace(/[\\%_]/g, '\\$&');
      where.add('o.name like ?', `%${needle}%`);
    }
    return this.repository.page(em, where, keyset);
  }

  children(em: EntityManager, viewer: Viewer, parent: OrganizationRow, page: PageArgs) {
    const keyset = keysetPage(page, BY_NAME);
    return this.repository.page(em, this.visible(viewer).add('o.parent_id = ?', parent.id), keyset);
  }

  async create(em: EntityManager, viewer: Viewer, input: CreateOrganizationInput): Promise<OrganizationRow> {
    const code = text(input.code, 'input.code', { max: 32 }).toUpperCase();
    if (!CODE.test(code)) throw badInput('code must be 2-32 of A-Z, 0-9 and -', 'input.code', 'BAD_FORMAT');
    const name = text(input.name, 'input.name', { max: 200 });
    const parent = await em.findOne(Organization, { id: parseId(input.parentId, 'input.parentId') });
    if (!parent) throw notFound('Parent organization');
    authorize(viewer, 'organization.create', { path: parent.path }, { message: 'Only an administrator over the parent may add organizations' });
    this.checkPlacement(input.level, parent);
    const org = em.create(Organization, { code, name, level: input.level, kind: input.kind, parent, path: '', depth: parent.depth + 1 });
    org.path = childPath(parent.path, org.id);
    try {
      await em.flush();
    } catch (error) {
      if (error instanceof UniqueConstraintViolationException) throw conflict(`An organization with code ${code} exists`, 'DUPLICATE_CODE');
      throw error;
    }
    return organizationRowOf(org);
  }

  async update(em: EntityManager, viewer: Viewer, id: string, input: UpdateOrganizationInput): Promise<OrganizationRow> {
    const org = await em.findOne(Organization, { id: parseId(id) });
    if (!org) throw notFound('Organization');
    authorize(viewer, 'organization.update', { path: org.path }, { message: 'Only an administrator over this organization may change it' });
    // Look the new parent up before touching org: the lookup's auto-flush would otherwise write a rename
    // even when the move is then refused.
    const parent = input.parentId ? await this.newParentFor(em, viewer, org, input.parentId) : undefined;
    if (input.name !== undefined && input.name !== null) org.name = text(input.name, 'input.name', { max: 200 });
    if (input.kind) org.kind = input.kind;
    await em.begin();
    try {
      if (parent) await this.moveSubtree(em, org, parent);
      await em.flush();
      await em.commit();
    } catch (error) {
      await em.rollback();
      throw error;
    }
    if (parent) await em.refresh(org);
    return organizationRowOf(org);
  }

  private async newParentFor(em: EntityManager, viewer: Viewer, org: Organization, parentId: string) {
    const parent = await em.findOne(Organization, { id: parseId(parentId, 'input.parentId') });
    if (!parent) throw notFound('Parent organization');
    authorize(viewer, 'organization.update', { path: parent.path }, { message: 'Only an administrator over the new parent may move here' });
    if (covers(org.path, parent.path)) throw badInput('An organization cannot move under itself', 'input.parentId', 'CYCLE');
    this.checkPlacement(org.level, parent);
    return parent;
  }

  private checkPlacement(level: Organization['level'], parent: Organization) {
    if (!ALLOWED_PARENT_LEVELS[level].includes(parent.level)) {
      throw badInput(`A ${level} organization cannot sit under a ${parent.level}`, 'input.parentId', 'BAD_PLACEMENT');
    }
  }

  /** Rewrites the paths of the subtree and of its members, inside the caller's transaction. */
  private async moveSubtree(em: EntityManager, org: Organization, parent: Organization) {
    await this.repository.moveSubtree(em, { id: org.id, oldPath: org.path, newPath: childPath(parent.path, org.id), depthDelta: parent.depth + 1 - org.depth, parentId: parent.id });
  }
}
