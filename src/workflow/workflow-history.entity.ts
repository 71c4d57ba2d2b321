import { BigIntType, Entity, PrimaryKey, Property } from '@mikro-orm/core';
import type { HistoryCause } from './core/types';

/** One transition, as reviewers trace it later; append-only in the database. */
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

  @Property({ type: 'integer' })
  round!: number;

  @Property({ type: 'json' })
  cause!: HistoryCause;

  @Property({ type: 'text' })
  subjectOrgPath!: string;
}
