import { Migration } from '@mikro-orm/migrations';

/**
 * The audit trail is tamper-evident. Approval history and the ledger are append-only for the application (UPDATE,
 * DELETE and TRUNCATE are refused by one guard; only the seed loader's deliberate reset may truncate, with
 * `set local gonghui.allow_reset = 'on'`), and each row carries `hash = sha256(previous hash ‖ canonical row)`,
 * chained per instance (in seq, id order) and per fund (in seq order), so an edit or a deletion made around the
 * guard — by the owner disabling it, or on the disk — shows as a broken link (`npm run verify`, `integrity`).
 *
 * The canonical row is the JSON text of a fixed list of columns (JSON escapes every value, so no separator is
 * ambiguous); timestamps go in as epoch seconds so the text does not depend on the session's TimeZone. The
 * built-in sha256(bytea) of PostgreSQL 11+ is used: pgcrypto need not be installed.
 */
export class Migration20261202000000_audit_chain extends Migration {
  override async up(): Promise<void> {
    this.addSql(`drop trigger workflow_history_append_only on workflow_history;`);
    this.addSql(`drop function workflow_history_append_only();`);
    this.addSql(`drop trigger ledger_entry_append_only on ledger_entry;`);
    this.addSql(`drop function ledger_entry_append_only();`);

    // One link of each chain, in one place: the insert trigger and the verifier (src/audit/chain.repository.ts) both call it.
    this.addSql(`
      create function workflow_history_link(prev bytea, h workflow_history) returns bytea language sql stable as $$
        select sha256(coalesce(prev, ''::bytea) || convert_to(jsonb_build_array(
          h.instance_id, h.seq, h.definition_key, h.definition_version, extract(epoch from h.at)::text, h.from_state, h.to_state,
          h.action, h.actor_account_id, h.actor_org_id, h.acting_as, h.comment, h.round, h.cause)::text, 'UTF8'))
      $$;`);
    this.addSql(`
      create function ledger_entry_link(prev bytea, l ledger_entry) returns bytea language sql stable as $$
        select sha256(coalesce(prev, ''::bytea) || convert_to(jsonb_build_array(
          l.id, l.fund_id, l.seq, l.amount, l.balance_after, l.reason, l.reference, l.created_by,
          extract(epoch from l.created_at)::text)::text, 'UTF8'))
      $$;`);

    this.addSql(`alter table workflow_history add column hash bytea;`);
    this.addSql(`alter table ledger_entry add column hash bytea;`);
    // Existing rows are chained in order, one chain after another.
    this.addSql(`
      do $$
      declare h workflow_history; l ledger_entry; prev bytea; chain uuid;
      begin
        for h in select * from workflow_history order by instance_id, seq, id loop
          if chain is distinct from h.instance_id then prev := null; chain := h.instance_id; end if;
          prev := workflow_history_link(prev, h);
          update workflow_history set hash = prev where id = h.id;
        end loop;
        chain := null;
        for l in select * from ledger_entry order by fund_id, seq loop
          if chain is distinct from l.fund_id then prev := null; chain := l.fund_id; end if;
          prev := ledger_entry_link(prev, l);
          update ledger_entry set hash = prev where id = l.id;
        end loop;
      end $$;`);
    this.addSql(`alter table workflow_history alter column hash set not null;`);
    this.addSql(`alter table ledger_entry alter column hash set not null;`);

    // A transition writes an instance's rows in one statement, after its seq check has locked the instance row;
    // a row-level BEFORE trigger sees the rows inserted before it in the same statement, so they chain in order.
    this.addSql(`
      create function workflow_history_chain() returns trigger language plpgsql as $$
      begin
        new.hash := workflow_history_link(
          (select hash from workflow_history where instance_id = new.instance_id order by seq desc, id desc limit 1), new);
        return new;
      end $$;`);
    this.addSql(`create trigger workflow_history_chain before insert on workflow_history for each row execute function workflow_history_chain();`);
    // Runs after ledger_entry_book (triggers fire in name order), which has locked the fund row. The seq is drawn
    // here, under that lock, so that a fund's entries are numbered in the order they are chained; a default drawn
    // before the lock could number two concurrent bookings the other way round.
    this.addSql(`alter table ledger_entry alter column seq drop default;`);
    this.addSql(`
      create function ledger_entry_chain() returns trigger language plpgsql as $$
      begin
        new.seq := nextval('ledger_entry_seq_seq');
        new.hash := ledger_entry_link((select hash from ledger_entry where fund_id = new.fund_id order by seq desc limit 1), new);
        return new;
      end $$;`);
    this.addSql(`create trigger ledger_entry_chain before insert on ledger_entry for each row execute function ledger_entry_chain();`);

    // Statement-level, so TRUNCATE (which fires no row triggers) is refused too, and a bulk change costs one call.
    this.addSql(`
      create function audit_append_only() returns trigger language plpgsql as $$
      begin
        if tg_op = 'TRUNCATE' and current_setting('gonghui.allow_reset', true) = 'on' then
          return null;
        end if;
        raise exception '% is append-only', tg_table_name using errcode = 'restrict_violation';
      end $$;`);
    for (const table of ['workflow_history', 'ledger_entry']) {
      this.addSql(`create trigger ${table}_append_only before update or delete or truncate on ${table} for each statement execute function audit_append_only();`);
    }
  }
}
