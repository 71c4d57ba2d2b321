import type { Services } from '../app/services';
import { Arg, Ctx, FieldResolver, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Viewer } from '../auth/viewer';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { PersonType } from '../people/person.types';
import { DelegationType, SetDelegationInput } from './delegation.types';

@Resolver(() => DelegationType)
export class DelegationResolver {
  constructor(private readonly services: Pick<Services, 'delegations'>) {}

  @Query(() => [DelegationType], { description: '我的代理 My delegations that have not ended, given and received; newest first.' })
  myDelegations(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer) {
    return this.services.delegations.mine(ctx.em, viewer);
  }

  @Mutation(() => DelegationType, { description: '设置代理 Names a substitute for one of my roles while I am away.' })
  setDelegation(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => SetDelegationInput, { description: 'Who stands in, for which grant, when.' }) input: SetDelegationInput) {
    return this.services.delegations.set(ctx.em, viewer, input);
  }

  @Mutation(() => DelegationType, { description: '取消代理 Ends one of my delegations now.' })
  revokeDelegation(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID, { description: 'One of my delegations (as delegator).' }) id: string) {
    return this.services.delegations.revoke(ctx.em, viewer, id);
  }

  @FieldResolver(() => PersonType, { description: '委托人 — the person who is away, with the organisation and role they delegated.' })
  delegator(@Parent() delegation: DelegationType, @Ctx() ctx: GqlContext) {
    return ctx.loaders.person.load({ accountId: delegation.delegatorAccountId, organizationId: delegation.organizationId, role: delegation.role });
  }

  // By their home organisation: the substitute need not hold the role there (staff of it may stand in).
  @FieldResolver(() => PersonType, { description: '代理人 — the person standing in, with their home organisation.' })
  substitute(@Parent() delegation: DelegationType, @Ctx() ctx: GqlContext) {
    return ctx.loaders.person.load({ accountId: delegation.substituteAccountId });
  }
}
