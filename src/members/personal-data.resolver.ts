import { Arg, Args, Ctx, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext } from '../graphql/context';
import { PersonalDataAccessConnection, PersonalDataAccessFilter } from './personal-data.types';
import type { Viewer } from '../auth/viewer';

@Resolver()
export class PersonalDataResolver {
  @Query(() => PersonalDataAccessConnection, {
    description: 'Unmasked reads of national ids and phones of members in your subtrees, newest first (AUDITOR, ADMIN).',
  })
  personalDataAccessLog(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('filter', () => PersonalDataAccessFilter, { nullable: true }) filter?: PersonalDataAccessFilter,
  ) {
    return ctx.services.personalData.accessLog(ctx.em, viewer, filter, page);
  }
}
