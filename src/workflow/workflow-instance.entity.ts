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

/** The columns of a workflow_instance row but `data`, as statements return them: the row without its state JSON. */
export const INSTANCE_COLUMNS = [
  'id', 'definition_key', 'definition_version', 'subject_type', 'subject_id', 'subject_org_id', 'subject_org_path',
  'applicant_account_id', 'applicant_member_id', 'state', 'status', 'outcome', 'seq', 'created_at', 'updated_at',
] as const;

/**
 * An instance with only the part of its state that a page asks for most (the round) and the part that decides
 * who may read it (the copies): what a list reads when its selection needs nothing else of the state, instead
 * of kilobytes of JSON per row. Which fields it answers is the resolvers' to say (HEAD_FIELDS).
 */
export type InstanceHead = Omit<WorkflowInstance, 'data'> & { data: Pick<InstanceState, 'round' | 'carbonCopies'> };

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

/** The row of an instance head: the columns, and the head of the state as `data`. */
export type InstanceHeadRow = Omit<WorkflowInstanceRow, 'data'> & { data: InstanceHead['data'] };

/**
 * The instance for a row the engine's own statements returned, as a plain object outside the unit of work:
 * nothing on these paths is flushed, a managed entity would cost a snapshot of the whole state JSON for change
 * tracking, and even an unmanaged one runs the ORM's property setters.
 */
export function instanceFromRow(row: WorkflowInstanceRow): WorkflowInstance;
export function instanceFromRow(row: InstanceHeadRow): InstanceHead;
export function instanceFromRow(row: InstanceHeadRow): InstanceHead {
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
