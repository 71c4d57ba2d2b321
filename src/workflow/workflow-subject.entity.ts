import { Entity, ManyToOne, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import { newId } from '../common/ids';
import { Organization } from '../organizations/organization.entity';

/**
 * What every subject of a workflow records — an aid application, an expense, a nomination: the union it is
 * filed for (the workflow routes from there, and its path scopes who may see it), who filed it, and its
 * workflow instance. Each subject module adds its own fields.
 */
@Entity({ abstract: true })
export abstract class WorkflowSubject<Optional = never> {
  [OptionalProps]?: 'createdAt' | 'updatedAt' | Optional;

  @PrimaryKey({ type: 'uuid' })
  id: string = newId();

  @ManyToOne(() => Organization, { fieldName: 'organization_id' })
  organization!: Organization;

  @Property({ type: 'text' })
  orgPath!: string;

  @Property({ type: 'uuid' })
  submittedBy!: string;

  @Property({ type: 'uuid', nullable: true })
  instanceId?: string;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}

/** A subject as the authorization policy sees it: its union, its filer, and the member it is about. */
export const subjectTarget = (s: Pick<WorkflowSubject, 'orgPath' | 'submittedBy'>, memberId?: string | null) => ({
  path: s.orgPath,
  accountIds: [s.submittedBy],
  memberId,
});

/**
 * The `own` term of a subject list, in SQL over the table `t`: what the viewer filed, or (with `memberColumn`)
 * what is about the member they are.
 */
export function ownSubjectSql(viewer: { accountId: string; member?: { id: string } }, memberColumn?: string): { sql: string; params: unknown[] } {
  if (memberColumn && viewer.member) return { sql: `(t.submitted_by = ?::uuid or t.${memberColumn} = ?::uuid)`, params: [viewer.accountId, viewer.member.id] };
  return { sql: 't.submitted_by = ?::uuid', params: [viewer.accountId] };
}
