import type { EntityManager } from '@mikro-orm/postgresql';
import type { JsonValue, WorkflowDefinition } from './core/types';

export interface EffectContext {
  /** Inside the effect's transaction: whatever the effect writes commits with the workflow's next step. */
  em: EntityManager;
  /** The instance whose system step this is; its row is locked until the effect's transaction ends. */
  instance: { id: string; subjectId: string };
  params: Record<string, JsonValue>;
  /** Unique per attempt; effects that touch money use it as their ledger reference. */
  idempotencyKey: string;
}

/** Returns `ok` or one of the failure outcomes the system step declares (e.g. INSUFFICIENT_FUNDS). */
export type EffectHandler = (ctx: EffectContext) => Promise<string>;

/** Effects by the name definitions use (`effect: disburse`); domain modules register theirs at bootstrap. */
export class EffectRegistry {
  private readonly handlers = new Map<string, EffectHandler>();

  register(name: string, handler: EffectHandler): this {
    if (this.handlers.has(name)) throw new Error(`effect ${name} is registered twice`);
    this.handlers.set(name, handler);
    return this;
  }

  get(name: string): EffectHandler | undefined {
    return this.handlers.get(name);
  }

  names(): string[] {
    return [...this.handlers.keys()];
  }

  /** Fails start-up when a loaded definition's system step names an effect nobody handles. */
  assertHandles(definitions: readonly WorkflowDefinition[]): void {
    const missing = definitions.flatMap((def) =>
      Object.entries(def.states).flatMap(([state, s]) =>
        s.kind === 'system' && !this.handlers.has(s.effect) ? [`${def.key} v${def.version} ${state}: effect ${s.effect}`] : [],
      ),
    );
    if (missing.length) throw new Error(`workflow effects without a handler:\n  ${missing.join('\n  ')}`);
  }
}
