import { effectCompleted } from '../../src/workflow/core';
import { actors, definition, Run, subjectData, iso } from './workflow.fixtures';
it('dbg', () => {
  const def = definition('aid-application');
  const run = new Run(def, subjectData.aid(1));
  run.act('approve', actors.grassrootsApprover);
  run.act('approve', actors.countyApprover);
  const p = run.state.current.pendingEffect!;
  const t = effectCompleted(def, run.state, { effect: p.name, idempotencyKey: p.idempotencyKey, outcome: 'ok', now: iso(50) });
  console.log(t.state.current.state, t.changed);
});
