import { Entity, OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';
import type { InstanceState } from './core/types';

/**
 * One running (or finished) workflow. `data` is the pure core's InstanceState; the columns beside it are
 * copies for querying. `seq` is the optimistic lock: every transition writes `seq = new where seq = old`.
 */
@Entity({ tableName: 'workflow_instance' })
export class WorkflowInstance {
  [OptionalProps]?: 'createdAt' | 'updatedAt';

  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'string', length: 64 })
  definitionKey!: string;

  @Property({ type: 'integer' })
  definitionVersion!: number;

  @Property({ type: 'string', length: 32 })
  subjectType!: string;

  @Property({ type: 'uuid' })
  subjectId!: string;

  @Property({ type: 'uuid' })
  subjectOrgId!: string;

  @Property({ type: 'text' })
  subjectOrgPath!: string;

  @Property({ type: 'uuid', nullable: true })
  applicantAccountId?: string;

  @Property({ type: 'uuid', nullable: true })
  applicantMemberId?: string;

  @Property({ type: 'string', length: 64 })
  state!: string;

  @Property({ type: 'text' })
  status!: 'ACTIVE' | 'COMPLETED';

  @Property({ type: 'string', length: 64, nullable: true })
  outcome?: string | null;

  @Property({ type: 'integer' })
  seq!: number;

  @Property({ type: 'json' })
  data!: InstanceState;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime' })
  updatedAt: Date = new Date();
}
