import type { Services } from '../app/services';
import { Arg, Ctx, Mutation, Query, Resolver } from 'type-graphql';
import { CurrentViewer, GqlContext } from '../graphql/context';
import { LoginPayload, ViewerType } from './auth.types';
import type { Viewer } from './viewer';

const toViewerType = (v: Viewer): ViewerType => ({
  accountId: v.accountId,
  username: v.username,
  displayName: v.displayName,
  grants: v.grants.map((g) => ({ role: g.role, organizationId: g.organizationId })),
  memberId: v.member?.id,
});

@Resolver()
export class AuthResolver {
  constructor(private readonly services: Pick<Services, 'auth'>) {}

  @Query(() => ViewerType, { description: 'The signed-in account; UNAUTHENTICATED without a valid token.' })
  viewer(@CurrentViewer() viewer: Viewer): ViewerType {
    return toViewerType(viewer);
  }

  @Mutation(() => LoginPayload, {
    description: '登录 — signs in with username and password. UNAUTHENTICATED for a wrong pair (the same for an unknown user); TOO_MANY_REQUESTS after repeated failures.',
  })
  async login(
    @Arg('username', () => String, { description: '用户名 — the login name.' }) username: string,
    @Arg('password', () => String, { description: '密码 — the password.' }) password: string,
    @Ctx() ctx: GqlContext,
  ): Promise<LoginPayload> {
    const { token, expiresAt, viewer } = await this.services.auth.login(ctx.em, username, password, ctx.clientAddress);
    return { token, expiresAt, viewer: toViewerType(viewer) };
  }
}
