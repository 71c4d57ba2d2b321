import { Migration } from '@mikro-orm/migrations';

/**
 * Less work per transition. An instance's state is about 2 kB of JSON, just over the size at which PostgreSQL compresses a row, so every
 * transition paid for pglz on write and every read for decompressing it. Rows up to a page now stay inline
 * and uncompressed; a state that does outgrow that is compressed with lz4, which is several times cheaper.
 */
export class Migration20261125090000_instance_state_uncompressed extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table workflow_instance set (toast_tuple_target = 8160);`);
    this.addSql(`alter table workflow_instance alter column data set compression lz4;`);
    this.addSql(`alter table workflow_outbox drop constraint workflow_outbox_job_id_key;`);
  }
}
