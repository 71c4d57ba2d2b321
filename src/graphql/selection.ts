import type { FieldNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/** The fields selected under one field, by name (aliases folded together), each with its own sub-selections. */
export class Selection {
  private constructor(private readonly fields: ReadonlyMap<string, readonly FieldNode[]>, private readonly info: GraphQLResolveInfo) {}

  /** What the resolving field's operation selects below it (fragments spread in, for every type condition). */
  static of(info: GraphQLResolveInfo): Selection {
    return Selection.under(info.fieldNodes, info);
  }

  private static under(nodes: readonly FieldNode[], info: GraphQLResolveInfo): Selection {
    const fields = new Map<string, FieldNode[]>();
    const visit = (set: SelectionSetNode | undefined) => {
      for (const s of set?.selections ?? []) {
        if (s.kind === 'Field') {
          const list = fields.get(s.name.value);
          if (list) list.push(s);
          else fields.set(s.name.value, [s]);
        } else if (s.kind === 'InlineFragment') visit(s.selectionSet);
        else visit(info.fragments[s.name.value]?.selectionSet);
      }
    };
    for (const node of nodes) visit(node.selectionSet);
    return new Selection(fields, info);
  }

  has(name: string): boolean {
    return this.fields.has(name);
  }

  /** Whether any of these fields is selected. */
  hasAny(names: Iterable<string>): boolean {
    for (const name of names) if (this.fields.has(name)) return true;
    return false;
  }

  /** Whether every field selected is one of these. */
  within(names: ReadonlySet<string>): boolean {
    for (const name of this.fields.keys()) if (!names.has(name)) return false;
    return true;
  }

  names(): IterableIterator<string> {
    return this.fields.keys();
  }

  /** The selection under a field (empty when it is not selected). */
  get(name: string): Selection {
    return Selection.under(this.fields.get(name) ?? [], this.info);
  }

  /** The nodes of a connection: `edges { node { … } }`. Directives (@skip, @include) are not read: a field they drop is fetched anyway. */
  get nodes(): Selection {
    return this.get('edges').get('node');
  }
}
