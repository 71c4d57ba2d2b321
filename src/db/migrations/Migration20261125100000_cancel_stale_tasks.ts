import { Migration } from '@mikro-orm/migrations';

/**
 * A transition's statement closes the tasks it can see, but its snapshot is taken when it starts: a task that a
 * worker opened and committed while the transition waited for the instance row (or just before it took the
 * lock) is invisible to it and would stay open after the instance moved on. This trigger runs after the row is
 * written, with a fresh snapshot, and cancels every open task of the instance that is not its current one.
 */
export class Migration20261125100000_cancel_stale_tasks extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      create function workflow_instance_cancel_stale_tasks() returns trigger language plpgsql as $$
      begin
        update workflow_task set status = 'CANCELLED', decided_at = now()
         where instance_id = new.id and status = 'OPEN'
           and key is distinct from (new.data->'current'->'task'->>'taskId');
        return null;
      end $$;`);
    this.addSql(`create trigger workflow_instance_cancel_stale_tasks after update of seq on workflow_instance
      for each row execute function workflow_instance_cancel_stale_tasks();`);
  }
}
