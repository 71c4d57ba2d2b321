import { Arg, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Viewer } from '../auth/viewer';
import { CurrentViewer, GqlContext } from '../graphql/context';
import { DelegationType, SetDelegationInput } from './delegation.types';

@Resolver(() => DelegationType)
export class DelegationResolver {
  @Query(() => [DelegationType], { description: '我的代理 My delegations that have not ended, given and received; newest first.' })
  myDelegations(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return ctx.services.delegations.mine(ctx.em, viewer);
  }

  @Mutation(() => DelegationType, { description: '设置代理 Names a substitute for one of my roles while I am away.' })
  setDelegation(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => SetDelegationInput) input: SetDelegationInput) {
    return ctx.services.delegations.set(ctx.em, viewer, input);
  }

  @Mutation(() => DelegationType, { description: '取消代理 Ends one of my delegations now.' })
  revokeDelegation(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID) id: string) {
    return ctx.services.delegations.revoke(ctx.em, viewer, id);
  }
}
