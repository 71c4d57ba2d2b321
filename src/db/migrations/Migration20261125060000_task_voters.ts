import { Migration } from '@mikro-orm/migrations';

/** Who has voted on an open vote task, so it leaves their inbox while the rest of the committee still sees it. */
export class Migration20261125060000_task_voters extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table workflow_task add column voted_by uuid[] not null default '{}';`);
  }
}
