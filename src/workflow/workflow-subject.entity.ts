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

/** The `own` terms of a subject list: what the viewer filed, or what is about the member they are. */
export const ownSubjectTerms = (viewer: { accountId: string; member?: { id: string } }, memberColumn?: string): object[] => [
  { submittedBy: viewer.accountId },
  ...(memberColumn && viewer.member ? [{ [memberColumn]: viewer.member.id }] : []),
];
