import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import type { WorkflowDefinition } from '../core/types';
import { checkDefinition } from './definition.checks';
import { DefinitionError, DefinitionIssue, formatPath } from './definition.errors';
import { definitionSchema } from './definition.schema';

type ZodIssue = z.core.$ZodIssue;

/**
 * Picks the most plausible branch of a failed union, so `reminder: { at: 'x' }` says "at: expected number"
 * rather than "Invalid input". A branch whose value has the wrong type at its root did not apply at all.
 */
function unionIssues(issue: ZodIssue & { code: 'invalid_union' }): ZodIssue[] | string {
  const branches = issue.errors;
  if (!branches.length) return issue.message;
  const score = (issues: readonly ZodIssue[]) =>
    issues.reduce((n, i) => {
      if ((i.code === 'invalid_type' || i.code === 'invalid_value') && i.path.length === 0) return n + 100;
      if (i.code === 'unrecognized_keys' && i.path.length === 0) return n + 10;
      if (i.code === 'invalid_type' && i.path.length === 1 && /received undefined/.test(i.message)) return n + 5;
      return n + 1;
    }, 0);
  const scored = branches.map((b) => ({ b, s: score(b) })).sort((x, y) => x.s - y.s);
  if (scored[0].s >= 100) {
    // No branch took the value's type: say what was expected, once per alternative.
    const expected = branches.map((b) => b[0]?.message.replace(/^Invalid input: /, '').replace(/, received .*$/, ''));
    return [...new Set(expected)].join(' or ');
  }
  return scored[0].b;
}

function zodIssues(issues: readonly ZodIssue[], prefix: PropertyKey[], out: { path: string; message: string }[]): void {
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length) {
      const picked = unionIssues(issue);
      if (typeof picked === 'string') out.push({ path: formatPath(path), message: picked });
      else zodIssues(picked, path, out);
    } else if (issue.code === 'unrecognized_keys') {
      out.push({ path: formatPath(path), message: `unknown key${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` });
    } else if (issue.code === 'invalid_key') {
      out.push({ path: formatPath(path), message: `invalid name: ${issue.issues.map((i) => i.message).join('; ')}` });
    } else if (issue.code === 'invalid_type' && /received undefined/.test(issue.message)) {
      out.push({ path: formatPath(path), message: 'is required' });
    } else {
      out.push({ path: formatPath(path), message: issue.message });
    }
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * Parses and validates one definition. `fileName` names the source in issues; when it looks like a file
 * name it must be `<key>.yaml` or `<key>.v<version>.yaml`, so the file a reader opens is the one that runs.
 * The result is deeply frozen: the engine never mutates definitions.
 */
export function parseDefinition(text: string, fileName: string): WorkflowDefinition {
  const issues: DefinitionIssue[] = [];
  const add = (path: string, message: string) => issues.push({ file: fileName, path, message });

  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  for (const e of doc.errors) add('', `YAML: ${e.message.split('\n')[0]}`);
  if (issues.length) throw new DefinitionError(issues);
  const raw: unknown = doc.toJS();
  if (raw === null || raw === undefined) throw new DefinitionError([{ file: fileName, path: '', message: 'the document is empty' }]);

  const parsed = definitionSchema.safeParse(raw);
  if (!parsed.success) {
    const out: { path: string; message: string }[] = [];
    zodIssues(parsed.error.issues, [], out);
    for (const i of out) add(i.path, i.message);
    throw new DefinitionError(issues);
  }
  const def: WorkflowDefinition = parsed.data;
  for (const i of checkDefinition(def)) add(i.path, i.message);

  const base = basename(fileName);
  const m = /^(.*?)(?:\.v(\d+))?\.ya?ml$/.exec(base);
  if (m) {
    if (m[1] !== def.key) add('key', `key ${def.key} does not match the file name ${base} (expected ${def.key}.yaml or ${def.key}.v${def.version}.yaml)`);
    if (m[2] !== undefined && Number(m[2]) !== def.version) add('version', `version ${def.version} does not match the file name ${base}`);
  }
  if (issues.length) throw new DefinitionError(issues);
  return deepFreeze(def);
}

export function loadDefinitionFile(path: string): WorkflowDefinition {
  return parseDefinition(readFileSync(path, 'utf8'), path);
}

/** Definitions by key and version; several versions of one key coexist (running instances keep theirs). */
export class DefinitionRegistry {
  private readonly byKey = new Map<string, Map<number, WorkflowDefinition>>();

  add(def: WorkflowDefinition): this {
    const versions = this.byKey.get(def.key) ?? new Map<number, WorkflowDefinition>();
    if (versions.has(def.version)) throw new Error(`${def.key} v${def.version} is already registered`);
    versions.set(def.version, def);
    this.byKey.set(def.key, versions);
    return this;
  }

  get(key: string, version: number): WorkflowDefinition | undefined {
    return this.byKey.get(key)?.get(version);
  }

  /** The highest version of `key`: what new instances start on. */
  latest(key: string): WorkflowDefinition | undefined {
    const versions = this.byKey.get(key);
    if (!versions?.size) return undefined;
    return versions.get(Math.max(...versions.keys()));
  }

  versions(key: string): number[] {
    return [...(this.byKey.get(key)?.keys() ?? [])].sort((a, b) => a - b);
  }

  keys(): string[] {
    return [...this.byKey.keys()].sort();
  }

  all(): WorkflowDefinition[] {
    return this.keys().flatMap((k) => this.versions(k).map((v) => this.get(k, v) as WorkflowDefinition));
  }
}

/**
 * Loads every *.yaml / *.yml in `dir`. All files are checked before failing, so one DefinitionError lists
 * every problem in the directory, including a key+version defined twice.
 */
export function loadDefinitions(dir: string): DefinitionRegistry {
  const registry = new DefinitionRegistry();
  const issues: DefinitionIssue[] = [];
  const seen = new Map<string, string>();
  const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();
  for (const f of files) {
    const path = join(dir, f);
    try {
      const def = loadDefinitionFile(path);
      const id = `${def.key}@${def.version}`;
      const prior = seen.get(id);
      if (prior) {
        issues.push({ file: path, path: 'version', message: `${def.key} v${def.version} is also defined in ${prior}` });
        continue;
      }
      seen.set(id, path);
      registry.add(def);
    } catch (e) {
      if (e instanceof DefinitionError) issues.push(...e.issues);
      else throw e;
    }
  }
  if (issues.length) throw new DefinitionError(issues);
  return registry;
}
