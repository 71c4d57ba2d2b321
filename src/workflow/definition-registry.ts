import { join } from 'node:path';
import { projectRoot } from '../common/project-root';
import { durationMs } from './core/duration';
import type { StateDef, WorkflowDefinition } from './core/types';
import { DefinitionRegistry, loadDefinitions } from './definitions/definition.loader';

export const defaultDefinitionsDir = () => join(projectRoot(), 'workflows');

const scaled = (duration: string, factor: number) => `PT${Math.max(1, Math.round((durationMs(duration) * factor) / 1000))}S`;

function scaleState(state: StateDef, factor: number): StateDef {
  switch (state.kind) {
    case 'task':
    case 'vote':
      return {
        ...state,
        deadline: scaled(state.deadline, factor),
        reminder: state.reminder && 'before' in state.reminder ? { before: scaled(state.reminder.before, factor) } : state.reminder,
      };
    case 'timer':
      return { ...state, duration: scaled(state.duration, factor) };
    default:
      return state;
  }
}

/**
 * Shortens every deadline, reminder and timer by `factor` (WORKFLOW_TIME_SCALE): how tests and demos watch a
 * seven-day public notice pass in seconds without touching the clock.
 */
export function scaleDefinition(def: WorkflowDefinition, factor: number): WorkflowDefinition {
  if (factor === 1) return def;
  return { ...def, states: Object.fromEntries(Object.entries(def.states).map(([k, s]) => [k, scaleState(s, factor)])) };
}

export function loadWorkflowDefinitions(dir: string, timeScale: number): DefinitionRegistry {
  const loaded = loadDefinitions(dir);
  const registry = new DefinitionRegistry();
  for (const def of loaded.all()) registry.add(scaleDefinition(def, timeScale));
  return registry;
}
