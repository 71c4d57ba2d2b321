import type { Services } from '../app/services';
import { Arg, Args, Ctx, FieldResolver, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext, Parent } from '../graphql/context';
import { PersonType } from '../people/person.types';
import type { PersonalDataAccess } from './personal-data-access.entity';
import { PersonalDataAccessConnection, PersonalDataAccessFilter, PersonalDataAccessType } from './personal-data.types';
import type { Viewer } from '../auth/viewer';

@Resolver(() => PersonalDataAccessType)
export class PersonalDataResolver {
  constructor(private readonly services: Pick<Services, 'personalData'>) {}

  @Query(() => PersonalDataAccessConnection, {
    description: '敏感信息查阅记录 — unmasked reads of national ids and phones of members in your subtrees, newest first (AUDITOR, ADMIN).',
  })
  personalDataAccessLog(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => PersonalDataAccessFilter, { nullable: true, description: 'Narrows the log.' }) filter?: PersonalDataAccessFilter,
  ) {
    return this.services.personalData.accessLog(ctx.em, viewer, filter, page);
  }

  @FieldResolver(() => PersonType, { description: '查阅人 — who read it.' })
  reader(@Parent() access: PersonalDataAccess, @Ctx() ctx: GqlContext) {
    return ctx.loaders.person.load({ accountId: access.accountId });
  }
}
