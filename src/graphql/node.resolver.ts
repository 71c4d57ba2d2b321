import type { Services } from '../app/services';
import { Arg, Ctx, FieldResolver, ID, Info, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { fromGlobalId, toGlobalId } from 'graphql-relay';
import type { Viewer } from '../auth/viewer';
import { badInput } from '../common/errors';
import { CurrentViewer, type GqlContext, Parent } from './context';
import { NodeInterface, nodeTypes } from './node.types';

type NodeServices = Pick<Services, 'organizations' | 'members' | 'funds' | 'aid' | 'expenses' | 'awards' | 'workflow'>;
type Fetch = (services: NodeServices, ctx: GqlContext, viewer: Viewer, id: string) => Promise<object>;

/**
 * What `node(id)` reads for each type: the very service call of that type's own root query, so the policy's
 * read operation decides, and a denial is answered as that query answers it (NOT_FOUND for members,
 * applications, instances and tasks, whose existence is private; FORBIDDEN for organisations and funds).
 */
const FETCH: Record<string, Fetch> = {
  Organization: (s, ctx, viewer, id) => s.organizations.get(ctx.em, viewer, { id }),
  Member: (s, ctx, viewer, id) => s.members.get(ctx.em, viewer, id),
  Fund: (s, ctx, viewer, id) => s.funds.get(ctx.em, viewer, id),
  AidApplication: (s, ctx, viewer, id) => s.aid.get(ctx.em, viewer, id),
  Expense: (s, ctx, viewer, id) => s.expenses.get(ctx.em, viewer, id),
  Nomination: (s, ctx, viewer, id) => s.awards.get(ctx.em, viewer, id),
  WorkflowInstance: (s, ctx, viewer, id) => s.workflow.instance(ctx.em, viewer, id),
  WorkflowTask: (s, ctx, viewer, id) => s.workflow.task(ctx.em, viewer, id),
};

@Resolver(() => NodeInterface)
export class NodeResolver {
  constructor(private readonly services: NodeServices) {}

  @Query(() => NodeInterface, {
    nullable: true,
    description: '按全局标识取对象 · Any object by its global id (`nodeId`). Null, with the error at `node`, when the viewer may not read it.',
  })
  async node(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('id', () => ID, { description: 'A `nodeId`, not a raw UUID.' }) id: string,
  ): Promise<object> {
    const { type, id: rawId } = parseGlobalId(id);
    const node = await FETCH[type](this.services, ctx, viewer, rawId);
    nodeTypes.set(node, type);
    return node;
  }

  @FieldResolver(() => ID)
  nodeId(@Parent() node: { id: string }, @Info() info: GraphQLResolveInfo): string {
    return toGlobalId(info.parentType.name, node.id);
  }
}

function parseGlobalId(globalId: string): { type: string; id: string } {
  const { type, id } = globalId.length <= 200 ? fromGlobalId(globalId) : { type: '', id: '' };
  if (!Object.hasOwn(FETCH, type) || !id) throw badInput('Not a global id: pass a nodeId', 'id', 'MALFORMED_ID');
  return { type, id };
}
