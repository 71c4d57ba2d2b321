import { Migration } from '@mikro-orm/migrations';

/**
 * Every act in one history. Rows that do not move the instance (claim, unclaim, reassign, transfer, delegation
 * used, urge, carbon copy…) go into workflow_history beside the transitions, marked `transition = false`, with
 * from_state = to_state = the state the instance is in and seq = the instance's seq at the time: they are
 * written under the instance row's lock (as transitions are), so they chain in the per-instance hash chain in
 * (seq, id) order. The old unique (instance, seq, action, to_state) holds for transitions only; an act may repeat.
 *
 * New columns (all attribution, read by reviewers):
 * - on_behalf_of_account_id: whose task or authority the actor used (delegation); null when acting in person.
 * - actor_role: the role the actor held for the act (APPROVER, FINANCE, AUDITOR, ADMIN; MEMBER for a member).
 * - transition: false for acts that leave the state as it is.
 * - detail: what the act names beyond the columns, e.g. { "taskId", "toAccountId" } of a reassignment, or
 *   { "changes": [{ "field", "from", "to" }] } of a resubmission with personal data masked.
 *
 * The link gains the new columns only where a row sets one, so every row chained before keeps its hash.
 */
export class Migration20261212000000_history_attribution extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      alter table workflow_history
        add column on_behalf_of_account_id uuid references account (id),
        add column actor_role varchar(16),
        add column transition boolean not null default true,
        add column detail jsonb;`);
    this.addSql(`alter table workflow_history drop constraint workflow_history_instance_id_seq_action_to_state_key;`);
    this.addSql(`create unique index workflow_history_transition_key on workflow_history (instance_id, seq, action, to_state) where transition;`);
    this.addSql(`create index workflow_history_instance_idx on workflow_history (instance_id, seq, id);`);
    this.addSql(`
      create or replace function workflow_history_link(prev bytea, h workflow_history) returns bytea language sql stable as $$
        select sha256(coalesce(prev, ''::bytea) || convert_to((jsonb_build_array(
          h.instance_id, h.seq, h.definition_key, h.definition_version, extract(epoch from h.at)::text, h.from_state, h.to_state,
          h.action, h.actor_account_id, h.actor_org_id, h.acting_as, h.comment, h.round, h.cause)
          || case when h.transition and h.on_behalf_of_account_id is null and h.actor_role is null and h.detail is null then '[]'::jsonb
                  else jsonb_build_array(h.transition, h.on_behalf_of_account_id, h.actor_role, h.detail) end)::text, 'UTF8'))
      $$;`);
  }
}
