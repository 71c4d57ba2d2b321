import { describe } from './conditions';
import type { StateDef, Target, WorkflowDefinition } from './types';

/** Mermaid text must not carry its own syntax: quotes end a label, colons and semicolons end a statement. */
const clean = (s: string) => s.replace(/["]/g, "'").replace(/[:;#]/g, ' ').replace(/\s+/g, ' ').trim();

function summary(s: StateDef): string {
  switch (s.kind) {
    case 'task':
      return s.assignee === 'applicant' ? `applicant · ${s.deadline}` : `${s.assignee.role} @ ${s.assignee.organization} · ${s.deadline}`;
    case 'vote':
      return `vote ${s.quorum.approvals} of ${s.quorum.of} · ${s.voters.roles.join('/')} @ ${s.voters.organization} · ${s.deadline}`;
    case 'timer':
      return `wait ${s.duration}`;
    case 'system':
      return `effect ${s.effect}`;
    case 'final':
      return `outcome ${s.outcome}`;
  }
}

/**
 * A stateDiagram-v2 of the definition: one node per state (title and who/what), one edge per action or
 * outcome; conditional routes go through a <<choice>> node with one edge per condition.
 */
export function toMermaid(def: WorkflowDefinition): string {
  const lines = ['stateDiagram-v2', `  %% ${clean(def.key)} v${def.version}`];
  const edge = (from: string, target: Target, label: string, choiceId: string) => {
    if (typeof target === 'string') {
      lines.push(`  ${from} --> ${target} : ${clean(label)}`);
      return;
    }
    lines.push(`  state ${choiceId} <<choice>>`);
    lines.push(`  ${from} --> ${choiceId} : ${clean(label)}`);
    for (const e of target) lines.push(`  ${choiceId} --> ${e.to} : ${clean(e.when ? describe(e.when) : 'otherwise')}`);
  };

  for (const [name, s] of Object.entries(def.states)) {
    lines.push(`  state "${clean(s.title)}<br/>${clean(summary(s))}" as ${name}`);
  }
  edge('[*]', def.initial, 'start', 'start__choice');
  for (const [name, s] of Object.entries(def.states)) {
    const id = (suffix: string) => `${name}__${suffix}`;
    if (s.kind === 'task') {
      for (const [a, d] of Object.entries(s.actions)) edge(name, d.to, a, id(a));
    }
    if (s.kind === 'vote') {
      edge(name, s.outcomes.passed, `passed (${s.quorum.approvals} of ${s.quorum.of})`, id('passed'));
      edge(name, s.outcomes.failed, 'failed', id('failed'));
    }
    if (s.kind === 'task' || s.kind === 'vote' || s.kind === 'timer') {
      for (const [a, d] of Object.entries(s.applicantActions)) edge(name, d.to, `applicant ${a}`, id(a));
      for (const [a, d] of Object.entries(s.publicActions)) edge(name, d.to, `anyone ${a}`, id(a));
    }
    if ((s.kind === 'task' || s.kind === 'vote') && s.escalation.action === 'expire') {
      edge(name, s.escalation.to, `overdue ${s.deadline}`, id('expire'));
    }
    if (s.kind === 'timer') edge(name, s.then, `after ${s.duration}`, id('elapsed'));
    if (s.kind === 'system') for (const [o, t] of Object.entries(s.on)) edge(name, t, o, id(o));
    if (s.kind === 'final') lines.push(`  ${name} --> [*]`);
  }
  return `${lines.join('\n')}\n`;
}
