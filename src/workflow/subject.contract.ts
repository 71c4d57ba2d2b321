import type { EntityManager } from '@mikro-orm/postgresql';
import type { Viewer } from '../auth/viewer';
import { badInput } from '../common/errors';
import type { JsonValue, SubjectData } from './core/types';
import { maskPersonalDataInText, maskText } from '../members/personal-data';
import type { FieldChange } from './workflow-history.entity';
import type { EffectHandler } from './effects';

/** How one field of a subject behaves after filing. */
export interface SubjectField {
  /** Whether the applicant may correct it when the workflow returns the subject for revision. */
  changeable: boolean;
  /** Personal data (an applicant's circumstances): masked where the history records a change of it. */
  personal?: boolean;
}

/**
 * What a workflow subject (aid application, expense, nomination, …) declares to plug into the engine. The
 * subject's row is the one record of its data: filing and every revision go through `validate`, the row is
 * written from what it returns, and the engine's copy is derived from that same value by `engineData`. Effects
 * read their inputs from the row, so a system step can never pay or book anything the row does not say.
 */
export interface SubjectModule<Draft extends Record<string, unknown> = Record<string, unknown>, Valid = Draft> {
  /** Stored on the instance as `subject_type`. */
  readonly subjectType: string;
  /** The workflow definition the subject runs on. */
  readonly definitionKey: string;
  /** Every field a filer sets, and whether a revision may change it; any other key is refused. */
  readonly fields: { readonly [K in keyof Draft]-?: SubjectField };
  /** The effects this subject's system steps name, by their names in the definition. */
  readonly effects: Readonly<Record<string, EffectHandler>>;
  /** The subject's row as the draft its filer would send: what a revision is applied to. */
  load(em: EntityManager, subjectId: string): Promise<Draft>;
  /**
   * The one validation of a subject, for filing and for revision: types, bounds and scope (which fund, which
   * member, which amounts this filer may use). Returns the normalised value, or throws BAD_USER_INPUT,
   * NOT_FOUND or FORBIDDEN naming the field under `at` (`input` on filing, `changes` on revision).
   */
  validate(em: EntityManager, viewer: Viewer, draft: Draft, at: string): Promise<Valid>;
  /** Writes a validated revision to the subject's row, in the transition's transaction. */
  write(em: EntityManager, subjectId: string, valid: Valid): Promise<void>;
  /** The engine's copy of the subject: what conditions and routing read. */
  engineData(valid: Valid): SubjectData;
}

/** The subject modules bootstrap plugs in, by subject type. */
export class SubjectRegistry {
  private readonly modules = new Map<string, SubjectModule<any, any>>();

  register(module: SubjectModule<any, any>): this {
    if (this.modules.has(module.subjectType)) throw new Error(`subject ${module.subjectType} is registered twice`);
    this.modules.set(module.subjectType, module);
    return this;
  }

  get(subjectType: string): SubjectModule {
    const module = this.modules.get(subjectType);
    if (!module) throw new Error(`no subject module for ${subjectType}`);
    return module;
  }

  all(): SubjectModule[] {
    return [...this.modules.values()];
  }

  /** Every effect of every subject, for the engine's effect registry. */
  effects(): [string, EffectHandler][] {
    return this.all().flatMap((m) => Object.entries(m.effects));
  }
}

/**
 * A revision of a subject: only declared, changeable fields; the merged draft passes the same validation as a
 * filing, is written to the row, and the engine's copy is read from it. Runs in the transition's transaction.
 */
export async function reviseSubject(
  em: EntityManager,
  viewer: Viewer,
  module: SubjectModule,
  subjectId: string,
  changes: Record<string, unknown>,
): Promise<{ data: SubjectData; changes: FieldChange[] }> {
  if (typeof changes !== 'object' || changes === null || Array.isArray(changes)) throw badInput('changes must be an object', 'changes', 'NOT_AN_OBJECT');
  const fields = module.fields as Record<string, SubjectField>;
  const unknown = Object.keys(changes).filter((k) => !Object.hasOwn(fields, k));
  if (unknown.length) {
    throw badInput(`changes may only name ${changeableOf(module).join(', ')}; not ${unknown.join(', ')}`, `changes.${unknown[0]}`, 'UNKNOWN_FIELD');
  }
  const fixed = Object.keys(changes).filter((k) => !fields[k].changeable);
  if (fixed.length) {
    throw badInput(
      `${fixed.join(', ')} cannot change on resubmission (file anew instead); changeable: ${changeableOf(module).join(', ')}`,
      `changes.${fixed[0]}`,
      'FIELD_NOT_CHANGEABLE',
    );
  }
  const before = await module.load(em, subjectId);
  const draft = { ...before, ...changes };
  const valid = await module.validate(em, viewer, draft, 'changes');
  await module.write(em, subjectId, valid);
  return { data: module.engineData(valid), changes: fieldChanges(fields, before, draft) };
}

/** What a revision changed, field by field (as the applicant sent it, once valid), personal fields masked, numbers and ids as they are. */
function fieldChanges(fields: Record<string, SubjectField>, before: Record<string, unknown>, after: Record<string, unknown>): FieldChange[] {
  const shown = (field: string, value: unknown): JsonValue => {
    const json = (value === undefined ? null : JSON.parse(JSON.stringify(value))) as JsonValue;
    if (typeof json !== 'string') return json;
    return fields[field].personal ? maskText(json) : maskPersonalDataInText(json);
  };
  return Object.keys(fields)
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]))
    .map((field) => ({ field, from: shown(field, before[field]), to: shown(field, after[field]) }));
}

const changeableOf = (module: SubjectModule) => Object.entries(module.fields as Record<string, SubjectField>).filter(([, f]) => f.changeable).map(([k]) => k);
