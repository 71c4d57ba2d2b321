export interface DefinitionIssue {
  /** The file (or the name given to parseDefinition). */
  file: string;
  /** Dotted path into the document, e.g. `states.COUNTY_REVIEW.actions.approve.to` or `initial`; '' for the whole file. */
  path: string;
  message: string;
}

/** A workflow definition (or a directory of them) that cannot be loaded; lists every issue found. */
export class DefinitionError extends Error {
  constructor(readonly issues: DefinitionIssue[]) {
    super(
      `invalid workflow definition (${issues.length} issue${issues.length === 1 ? '' : 's'}):\n` +
        issues.map((i) => `  ${i.file}${i.path ? ` at ${i.path}` : ''}: ${i.message}`).join('\n'),
    );
    this.name = 'DefinitionError';
  }
}

/** `['states', 'A', 'to', 0, 'when']` → `states.A.to[0].when`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out ? `.${String(p)}` : String(p);
  }
  return out;
}
