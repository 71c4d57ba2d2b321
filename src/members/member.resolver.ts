import type { Services } from '../app/services';
import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver } from 'type-graphql';
import { may } from '../auth/authorization.policy';
import { PageArgs } from '../common/connection';
import { CurrentViewer, GqlContext, requireViewer, Parent } from '../graphql/context';
import { Guarded, throughPublicEdge } from '../graphql/field-guard';
import { OrganizationType } from '../organizations/organization.types';
import { Selection } from '../graphql/selection';
import { memberTarget } from './member.entity';
import type { MemberRow } from './member.repository';
import { HonourType, MemberConnection, MemberDetail, MemberFilter, MemberType, RegisterMemberInput, UpdateMemberInput } from './member.types';
import { PersonalDataField } from './personal-data.cipher';
import type { Viewer } from '../auth/viewer';

@Resolver(() => MemberType)
export class MemberResolver {
  constructor(private readonly services: Pick<Services, 'members' | 'personalData'>) {}

  @Query(() => MemberType, {
    nullable: true,
    description: '会员 — one member by id. NOT_FOUND (and null) for a member outside your scope, as for one that does not exist.',
  })
  member(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('id', () => ID, { description: 'The member’s id.' }) id: string) {
    return this.services.members.get(ctx.sql, viewer, id);
  }

  @Query(() => MemberConnection, { description: 'Members in the viewer’s scope, ordered by name.' })
  members(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Args(() => PageArgs) page: PageArgs,
    @Info() info: GraphQLResolveInfo,
    @Arg('filter', () => MemberFilter, { nullable: true, description: 'Narrows the list.' }) filter?: MemberFilter,
  ) {
    return this.services.members.list(ctx.sql, viewer, filter, page, Selection.of(info).nodes);
  }

  @Mutation(() => MemberType, { description: '会员登记 — registers a member in a grassroots union (APPROVER or ADMIN over it). CONFLICT when the national id is already registered.' })
  registerMember(@Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer, @Arg('input', () => RegisterMemberInput, { description: 'The new member.' }) input: RegisterMemberInput) {
    return this.services.members.register(ctx.em, viewer, input);
  }

  @Mutation(() => MemberType, { description: 'Changes a member record (APPROVER or ADMIN over their union).' })
  updateMember(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('id', () => ID, { description: 'The member’s id.' }) id: string,
    @Arg('input', () => UpdateMemberInput, { description: 'What changes.' }) input: UpdateMemberInput,
  ) {
    return this.services.members.update(ctx.em, viewer, id, input);
  }

  @Mutation(() => MemberType, { description: '会员转会 — moves the member to another grassroots union; you must keep the register of both.' })
  transferMember(
    @Ctx() ctx: GqlContext, @CurrentViewer() viewer: Viewer,
    @Arg('id', () => ID, { description: 'The member’s id.' }) id: string,
    @Arg('toOrganizationId', () => ID, { description: 'The grassroots union they move to.' }) toOrganizationId: string,
  ) {
    return this.services.members.transfer(ctx.em, viewer, id, toOrganizationId);
  }

  @Guarded(MemberDetail)
  @FieldResolver(() => String, { nullable: true, description: 'Masked (612501********1234) unless your role allows the full value.' })
  nationalId(@Parent() member: MemberRow, @Ctx() ctx: GqlContext, @Info() info: GraphQLResolveInfo) {
    return this.personalData(member, ctx, info, PersonalDataField.NATIONAL_ID);
  }

  @Guarded(MemberDetail)
  @FieldResolver(() => String, { nullable: true, description: 'Masked (138****5678) unless your role allows the full value.' })
  phone(@Parent() member: MemberRow, @Ctx() ctx: GqlContext, @Info() info: GraphQLResolveInfo) {
    return this.personalData(member, ctx, info, PersonalDataField.PHONE);
  }

  @Guarded(MemberDetail)
  @FieldResolver(() => Boolean, { nullable: true, description: 'Whether nationalId and phone are shown masked to you.' })
  personalDataMasked(@Parent() member: MemberRow, @CurrentViewer() viewer: Viewer): boolean {
    return !may(viewer, 'member.readPersonalData', memberTarget(member));
  }

  @FieldResolver(() => OrganizationType, { nullable: true, description: '所属工会 — the member’s grassroots union; null, with an error at this path, when you may not read it.' })
  organization(@Parent() member: MemberRow, @Ctx() ctx: GqlContext) {
    const publicOnly = ctx.reachedPublicly.has(member);
    // A page reads its members' unions in its own statement (answered without a promise); a member read alone goes through the loader.
    if (member.joinedOrganization) return throughPublicEdge(ctx, publicOnly, member.joinedOrganization);
    return ctx.loaders.organization.load(member.organizationId).then((org) => throughPublicEdge(ctx, publicOnly, org));
  }

  @FieldResolver(() => [HonourType], { description: '个人荣誉 — honours the member holds, newest first.' })
  honours(@Parent() member: MemberRow, @Ctx() ctx: GqlContext) {
    return ctx.loaders.honoursByMember.load(member.id);
  }

  /** Unmasked reads are logged with the operation's name, batched per request. */
  private personalData(member: MemberRow, ctx: GqlContext, info: GraphQLResolveInfo, field: PersonalDataField) {
    return this.services.personalData.show(requireViewer(ctx), member, field, info.operation.name?.value ?? null, ctx.loaders.personalDataReads);
  }
}
