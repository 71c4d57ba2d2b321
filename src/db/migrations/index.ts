import type { MigrationObject } from '@mikro-orm/core';
import { Migration20261125000000_foundation } from './Migration20261125000000_foundation';
import { Migration20261125010000_workflow } from './Migration20261125010000_workflow';
import { Migration20261125020000_aid } from './Migration20261125020000_aid';
import { Migration20261125030000_expenses_awards } from './Migration20261125030000_expenses_awards';
import { Migration20261125040000_notifications } from './Migration20261125040000_notifications';
import { Migration20261125050000_outbox_notify } from './Migration20261125050000_outbox_notify';
import { Migration20261125060000_task_voters } from './Migration20261125060000_task_voters';
import { Migration20261125070000_outbox_lease } from './Migration20261125070000_outbox_lease';
import { Migration20261125080000_lean_hot_tables } from './Migration20261125080000_lean_hot_tables';
import { Migration20261125090000_instance_state_uncompressed } from './Migration20261125090000_instance_state_uncompressed';
import { Migration20261126000000_personal_data_sealed } from './Migration20261126000000_personal_data_sealed';
import { Migration20261126010000_personal_data_plaintext_dropped } from './Migration20261126010000_personal_data_plaintext_dropped';
import { Migration20261201030000_idempotency_keys } from './Migration20261201030000_idempotency_keys';
import { Migration20261201040000_outbox_obligations } from './Migration20261201040000_outbox_obligations';
import { Migration20261201050000_history_by_actor_org } from './Migration20261201050000_history_by_actor_org';
import { Migration20261202000000_audit_chain } from './Migration20261202000000_audit_chain';
import { Migration20261212000000_history_attribution } from './Migration20261212000000_history_attribution';
import { Migration20261214000000_approval_actions } from './Migration20261214000000_approval_actions';
import { Migration20261213000000_inbox_indexes } from './Migration20261213000000_inbox_indexes';
import { Migration20261211000000_outbox_woken_after_commit } from './Migration20261211000000_outbox_woken_after_commit';
import { Migration20261211010000_award_quota_reserved_counter } from './Migration20261211010000_award_quota_reserved_counter';

/** Applied in this order; a new migration is appended here and never edited once committed. */
export const MIGRATIONS: MigrationObject[] = [
  { name: 'Migration20261125000000_foundation', class: Migration20261125000000_foundation },
  { name: 'Migration20261125010000_workflow', class: Migration20261125010000_workflow },
  { name: 'Migration20261125020000_aid', class: Migration20261125020000_aid },
  { name: 'Migration20261125030000_expenses_awards', class: Migration20261125030000_expenses_awards },
  { name: 'Migration20261125040000_notifications', class: Migration20261125040000_notifications },
  { name: 'Migration20261125050000_outbox_notify', class: Migration20261125050000_outbox_notify },
  { name: 'Migration20261125060000_task_voters', class: Migration20261125060000_task_voters },
  { name: 'Migration20261125070000_outbox_lease', class: Migration20261125070000_outbox_lease },
  { name: 'Migration20261125080000_lean_hot_tables', class: Migration20261125080000_lean_hot_tables },
  { name: 'Migration20261125090000_instance_state_uncompressed', class: Migration20261125090000_instance_state_uncompressed },
  { name: 'Migration20261126000000_personal_data_sealed', class: Migration20261126000000_personal_data_sealed },
  { name: 'Migration20261126010000_personal_data_plaintext_dropped', class: Migration20261126010000_personal_data_plaintext_dropped },
  { name: 'Migration20261201030000_idempotency_keys', class: Migration20261201030000_idempotency_keys },
  { name: 'Migration20261201040000_outbox_obligations', class: Migration20261201040000_outbox_obligations },
  { name: 'Migration20261201050000_history_by_actor_org', class: Migration20261201050000_history_by_actor_org },
  { name: 'Migration20261202000000_audit_chain', class: Migration20261202000000_audit_chain },
  { name: 'Migration20261212000000_history_attribution', class: Migration20261212000000_history_attribution },
  { name: 'Migration20261214000000_approval_actions', class: Migration20261214000000_approval_actions },
  { name: 'Migration20261213000000_inbox_indexes', class: Migration20261213000000_inbox_indexes },
  { name: 'Migration20261211000000_outbox_woken_after_commit', class: Migration20261211000000_outbox_woken_after_commit },
  { name: 'Migration20261211010000_award_quota_reserved_counter', class: Migration20261211010000_award_quota_reserved_counter },
];
