import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

export type TaskStatus = 'OPEN' | 'DONE' | 'CANCELLED';

/** A unit of human work in an inbox. `key` is the core's deterministic task id, so opening is idempotent. */
@Entity({ tableName: 'workflow_task' })
export class WorkflowTask {
  [OptionalProps]?: 'status' | 'escalated' | 'votedBy';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'string', length: 200, unique: true })
  key!: string;

  @Property({ type: 'uuid' })
  instanceId!: string;

  @Property({ type: 'string', length: 64 })
  definitionKey!: string;

  @Property({ type: 'string', length: 64 })
  step!: string;

  @Property({ type: 'string', length: 200 })
  title!: string;

  @Property({ type: 'text' })
  kind!: 'task' | 'vote' | 'applicant';

  @Property({ type: 'uuid', nullable: true })
  routedOrgId?: string | null;

  @Property({ type: 'text', nullable: true })
  routedOrgPath?: string | null;

  @Property({ type: 'text[]' })
  candidateRoles!: string[];

  @Property({ type: 'text[]' })
  actions!: string[];

  @Property({ type: 'integer' })
  round!: number;

  @Property({ type: 'uuid', nullable: true })
  claimedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  claimedAt?: Date | null;

  /** For applicant tasks (revisions) and reassignments to one person. */
  @Property({ type: 'uuid', nullable: true })
  assignedTo?: string | null;

  @Property({ type: 'datetime' })
  openedAt!: Date;

  @Property({ type: 'datetime' })
  dueAt!: Date;

  @Property({ type: 'boolean' })
  escalated: boolean = false;

  /** Committee members who have voted while the vote is still open. */
  @Property({ type: 'uuid[]' })
  votedBy: string[] = [];

  @Property({ type: 'datetime', nullable: true })
  remindedAt?: Date | null;

  @Property({ type: 'datetime', nullable: true })
  overdueAt?: Date | null;

  @Property({ type: 'text' })
  status: TaskStatus = 'OPEN';

  @Property({ type: 'string', length: 64, nullable: true })
  decision?: string | null;

  @Property({ type: 'uuid', nullable: true })
  decidedBy?: string | null;

  @Property({ type: 'datetime', nullable: true })
  decidedAt?: Date | null;
}
