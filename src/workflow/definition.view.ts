import { toMermaid } from './core/mermaid';
import type { Target, WorkflowDefinition } from './core/types';
import { targetsOf } from './definitions/definition.checks';
import type { WorkflowDefinitionType } from './workflow.types';

const targets = (t: Target) => (typeof t === 'string' ? [t] : t.map((e) => e.to));

/** The definition as the API shows it: states, transitions and the Mermaid diagram. */
export function describeDefinition(def: WorkflowDefinition): WorkflowDefinitionType {
  return {
    key: def.key,
    version: def.version,
    title: def.title,
    description: def.description,
    initial: typeof def.initial === 'string' ? def.initial : targets(def.initial).join('|'),
    parameters: Object.fromEntries(Object.entries(def.parameters).map(([k, p]) => [k, p.value])),
    states: Object.entries(def.states).map(([key, s]) => ({ key, kind: s.kind, title: s.title, outcome: s.kind === 'final' ? s.outcome : null })),
    transitions: Object.entries(def.states).flatMap(([key, s]) =>
      targetsOf(s, key).map(({ path, target }) => ({
        from: key,
        on: path.split('.').filter((p) => p !== 'to').slice(-1)[0],
        to: targets(target),
      })),
    ),
    mermaid: toMermaid(def),
  };
}
