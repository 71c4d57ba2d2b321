import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** A reminder, overdue notice, urge (催办) or carbon copy (抄送), filed by the workers for a task's candidates, one person, or the applicant. */
@Entity({ tableName: 'workflow_notification' })
export class WorkflowNotification {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'string', length: 200 })
  key!: string;

  @Property({ type: 'uuid' })
  instanceId!: string;

  @Property({ type: 'string', length: 16 })
  reason!: 'reminder' | 'overdue' | 'urge' | 'carbonCopy';

  @Property({ type: 'string', length: 64 })
  step!: string;

  @Property({ type: 'string', length: 200, nullable: true })
  taskKey?: string | null;

  @Property({ type: 'datetime', nullable: true })
  dueAt?: Date | null;

  @Property({ type: 'text[]' })
  roles!: string[];

  @Property({ type: 'uuid', nullable: true })
  organizationId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  accountId?: string | null;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}
