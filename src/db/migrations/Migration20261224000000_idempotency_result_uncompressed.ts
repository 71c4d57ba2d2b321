import { Migration } from '@mikro-orm/migrations';

/**
 * The instance as a decision left it is kept with the decision's idempotency key: the state's ~2 kB of JSON
 * and more, so every decision paid for pglz on that row as the instance's own row once did. The same cure as
 * the instance's (Migration20261125090000): inline and uncompressed up to a page, lz4 past that.
 */
export class Migration20261224000000_idempotency_result_uncompressed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table idempotency_key set (toast_tuple_target = 8160);`);
    this.addSql(`alter table idempotency_key alter column result set compression lz4;`);
  }
}
