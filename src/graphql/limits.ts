import type { ApolloServerOptions, ApolloServerPlugin, BaseContext } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  GraphQLError,
  getNamedType,
  isCompositeType,
  Kind,
  type FieldNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
  type ValueNode,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/connection';
import type { AppConfig } from '../config/env';

/** The stable `extensions.reason` of an operation refused for its shape, before any resolver runs. */
export enum LimitReason {
  QUERY_TOO_DEEP = 'QUERY_TOO_DEEP',
  TOO_MANY_ALIASES = 'TOO_MANY_ALIASES',
  TOO_MANY_DIRECTIVES = 'TOO_MANY_DIRECTIVES',
  TOO_MANY_TOKENS = 'TOO_MANY_TOKENS',
  QUERY_TOO_COSTLY = 'QUERY_TOO_COSTLY',
}

type Limits = Pick<AppConfig, 'GRAPHQL_MAX_DEPTH' | 'GRAPHQL_MAX_ALIASES' | 'GRAPHQL_MAX_DIRECTIVES' | 'GRAPHQL_MAX_TOKENS' | 'GRAPHQL_MAX_COST'>;

/** Armor reports "Syntax Error: Query depth limit of 12 exceeded, found 51."; the client gets the reason too. */
const reportAs =
  (reason: LimitReason) =>
  (context: ValidationContext | null, error: GraphQLError) =>
    context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { reason } }));

/**
 * What the Apollo server needs to refuse an operation that is too deep, too wide or too costly: graphql-armor
 * for depth, aliases and directives, graphql-js's own parser for tokens (armor's token plugin throws from a
 * hook Apollo does not catch), and a cost rule of our own, since armor's cannot see page sizes given by
 * variables or the default page size.
 */
export function queryLimits(limits: Limits): Required<Pick<ApolloServerOptions<BaseContext>, 'validationRules' | 'parseOptions' | 'plugins'>> {
  const armor = new ApolloArmor({
    maxDepth: { n: limits.GRAPHQL_MAX_DEPTH, flattenFragments: true, propagateOnRejection: false, onReject: [reportAs(LimitReason.QUERY_TOO_DEEP)] },
    maxAliases: { n: limits.GRAPHQL_MAX_ALIASES, propagateOnRejection: false, onReject: [reportAs(LimitReason.TOO_MANY_ALIASES)] },
    maxDirectives: { n: limits.GRAPHQL_MAX_DIRECTIVES, propagateOnRejection: false, onReject: [reportAs(LimitReason.TOO_MANY_DIRECTIVES)] },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    // The error formatter hides suggestions in production, for every kind of error.
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return {
    validationRules: [...armor.validationRules, costLimitRule(limits.GRAPHQL_MAX_COST)],
    parseOptions: { maxTokens: limits.GRAPHQL_MAX_TOKENS },
    plugins: [...armor.plugins, tokenLimitReason],
  };
}

/** graphql-js refuses a document over `maxTokens` with a plain syntax error (16.x spells it "more that"); this names the reason. */
const tokenLimitReason: ApolloServerPlugin<BaseContext> = {
  async requestDidStart() {
    return {
      async parsingDidStart() {
        return async (error?: Error) => {
          if (error instanceof GraphQLError && /^Syntax Error: Document contains more tha[nt] \d+ tokens/.test(error.message)) {
            error.extensions.reason = LimitReason.TOO_MANY_TOKENS;
          }
        };
      },
    };
  },
};

/**
 * Refuses an operation whose cost is over `maxCost`. Every field costs 1; the selection under a paginated field
 * (one with a `first` argument) costs as many times as the page may hold: the literal page size, a variable's
 * default, the largest page for any other variable (rules cannot see variable values), or the default page
 * when none is given. A fragment is costed once, so nested spreads cannot blow the count up.
 */
export function costLimitRule(maxCost: number): ValidationRule {
  return (context: ValidationContext) => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const schema = context.getSchema();
      const root = schema.getRootType(operation.operation) ?? undefined;
      const cost = new OperationCost(context, operation).selections(operation.selectionSet, root);
      if (cost > maxCost) {
        context.reportError(
          new GraphQLError(`Query cost of ${cost} exceeds the limit of ${maxCost}; ask for smaller pages or fewer fields.`, {
            nodes: [operation],
            extensions: { reason: LimitReason.QUERY_TOO_COSTLY },
          }),
        );
      }
    },
  });
}

class OperationCost {
  private readonly fragments = new Map<string, number>();

  constructor(
    private readonly context: ValidationContext,
    private readonly operation: OperationDefinitionNode,
  ) {}

  selections(set: SelectionSetNode | undefined, parent: GraphQLCompositeType | undefined): number {
    let cost = 0;
    for (const selection of set?.selections ?? []) {
      if (selection.kind === Kind.FIELD) cost += this.field(selection, parent);
      else if (selection.kind === Kind.INLINE_FRAGMENT) cost += this.selections(selection.selectionSet, this.typeNamed(selection.typeCondition?.name.value) ?? parent);
      else cost += this.fragment(selection.name.value);
    }
    return cost;
  }

  private field(node: FieldNode, parent: GraphQLCompositeType | undefined): number {
    if (node.name.value.startsWith('__')) return 0; // __typename, and introspection (off in production)
    const def: GraphQLField<unknown, unknown> | undefined = parent && 'getFields' in parent ? parent.getFields()[node.name.value] : undefined;
    const type = def && getNamedType(def.type);
    const children = this.selections(node.selectionSet, type && isCompositeType(type) ? type : undefined);
    const paged = def?.args.some((a) => a.name === 'first');
    return 1 + (paged ? this.pageSize(node) * children : children);
  }

  private fragment(name: string): number {
    const known = this.fragments.get(name);
    if (known !== undefined) return known;
    this.fragments.set(name, 0); // a cycle is refused by NoFragmentCyclesRule; here it only must not loop
    const fragment = this.context.getFragment(name);
    const cost = fragment ? this.selections(fragment.selectionSet, this.typeNamed(fragment.typeCondition.name.value)) : 0;
    this.fragments.set(name, cost);
    return cost;
  }

  private pageSize(node: FieldNode): number {
    const arg = node.arguments?.find((a) => a.name.value === 'first' || a.name.value === 'last');
    if (!arg || arg.value.kind === Kind.NULL) return DEFAULT_PAGE_SIZE;
    const value = this.literal(arg.value);
    return value === undefined ? MAX_PAGE_SIZE : Math.min(Math.max(value, 1), MAX_PAGE_SIZE);
  }

  private literal(value: ValueNode | undefined): number | undefined {
    if (value?.kind === Kind.INT) return Number(value.value);
    if (value?.kind === Kind.VARIABLE) {
      const declared = this.operation.variableDefinitions?.find((v) => v.variable.name.value === value.name.value);
      return declared?.defaultValue?.kind === Kind.INT ? Number(declared.defaultValue.value) : undefined;
    }
    return undefined;
  }

  private typeNamed(name: string | undefined): GraphQLCompositeType | undefined {
    const type = name ? this.context.getSchema().getType(name) : undefined;
    return type && isCompositeType(type) ? type : undefined;
  }
}
