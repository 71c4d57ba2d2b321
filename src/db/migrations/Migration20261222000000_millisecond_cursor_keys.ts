import { Migration } from '@mikro-orm/migrations';

/**
 * The instants that entity lists page on (`created_at, id`) are kept to the millisecond, as a JavaScript Date
 * and so a cursor holds them: at PostgreSQL's microseconds, a cursor made from a row compares unequal to that
 * row, and paging repeated it (backward) or skipped rows created in the same millisecond (forward). Rows that
 * SQL inserts with `now()` (instances, notices) are the ones that had more.
 */
export class Migration20261222000000_millisecond_cursor_keys extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table workflow_instance alter column created_at type timestamptz(3);`);
    this.addSql(`alter table workflow_notification alter column created_at type timestamptz(3);`);
  }
}
