import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { HistoryCause, JsonValue } from './core/types';

/**
 * The `detail` of a history row. Known keys: `taskId`, `toAccountId`, `fromAccountId` (claim, unclaim,
 * reassign, transfer); `changes` (a resubmission: each changed field, old → new, personal data masked);
 * `recipients` (carbon copy). Other acts may add keys of their own.
 */
export interface HistoryDetail {
  taskId?: string;
  toAccountId?: string | null;
  fromAccountId?: string | null;
  changes?: FieldChange[];
  [key: string]: JsonValue | FieldChange[] | undefined;
}

export interface FieldChange {
  field: string;
  from: JsonValue;
  to: JsonValue;
}

/**
 * One act on an instance, as reviewers trace it later; append-only in the database. Most rows are transitions
 * (the engine's history entries); `transition = false` marks an act that leaves the state as it is (claim,
 * unclaim, reassign, transfer, delegation, urge, carbon copy), recorded by the outer layer under the instance's
 * lock so it chains with the transitions. A null actor is the system: `cause` says which timer or effect.
 */
@Entity({ tableName: 'workflow_history' })
export class WorkflowHistory {
  @PrimaryKey({ type: new BigIntType('number'), autoincrement: true })
  id!: number;

  @Property({ type: 'uuid' })
  instanceId!: string;

  @Property({ type: 'integer' })
  seq!: number;

  @Property({ type: 'string', length: 64 })
  definitionKey!: string;

  @Property({ type: 'integer' })
  definitionVersion!: number;

  @Property({ type: 'datetime' })
  at!: Date;

  @Property({ type: 'string', length: 64, nullable: true })
  fromState?: string | null;

  @Property({ type: 'string', length: 64 })
  toState!: string;

  @Property({ type: 'string', length: 64 })
  action!: string;

  @Property({ type: 'uuid', nullable: true })
  actorAccountId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorOrgId?: string | null;

  @Property({ type: 'string', length: 16, nullable: true })
  actingAs?: string | null;

  @Property({ type: 'string', length: 2000, nullable: true })
  comment?: string | null;

  /** Delegation: whose task or authority the actor used; null when they acted in person. */
  @Property({ type: 'uuid', nullable: true })
  onBehalfOfAccountId?: string | null;

  /** The role the actor held for the act (APPROVER, FINANCE, AUDITOR, ADMIN, or MEMBER). */
  @Property({ type: 'string', length: 16, nullable: true })
  actorRole?: string | null;

  @Property({ type: 'boolean', default: true })
  transition: boolean = true;

  /** What the act names beyond the columns (see HistoryDetail). */
  @Property({ type: 'json', nullable: true })
  detail?: HistoryDetail | null;

  @Property({ type: 'integer' })
  round!: number;

  /** The engine's cause of a transition (what replays it); `{ type: 'record' }` for an act recorded beside them. */
  @Property({ type: 'json' })
  cause!: HistoryCause | { type: 'record' };

  @Property({ type: 'text' })
  subjectOrgPath!: string;
}
