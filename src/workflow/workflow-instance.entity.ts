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

/** A workflow_instance row as `select *` or `returning *` gives it. */
export interface WorkflowInstanceRow {
  id: string;
  definition_key: string;
  definition_version: number;
  subject_type: string;
  subject_id: string;
  subject_org_id: string;
  subject_org_path: string;
  applicant_account_id: string | null;
  applicant_member_id: string | null;
  state: string;
  status: 'ACTIVE' | 'COMPLETED';
  outcome: string | null;
  seq: number;
  data: InstanceState;
  created_at: Date | string;
  updated_at: Date | string;
}

/**
 * The instance for a row the engine's own statements returned, as a plain object outside the unit of work:
 * nothing on these paths is flushed, a managed entity would cost a snapshot of the whole state JSON for change
 * tracking, and even an unmanaged one runs the ORM's property setters.
 */
export function instanceFromRow(row: WorkflowInstanceRow): WorkflowInstance {
  return {
    id: row.id,
    definitionKey: row.definition_key,
    definitionVersion: row.definition_version,
    subjectType: row.subject_type,
    subjectId: row.subject_id,
    subjectOrgId: row.subject_org_id,
    subjectOrgPath: row.subject_org_path,
    applicantAccountId: row.applicant_account_id ?? undefined,
    applicantMemberId: row.applicant_member_id ?? undefined,
    state: row.state,
    status: row.status,
    outcome: row.outcome,
    seq: row.seq,
    data: row.data,
    // The driver hands timestamps over as text (the ORM's type parsers).
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
