import { toGlobalId } from 'graphql-relay';
import { buildFederation, Federation } from '../support/fixtures';
import { startTestApp, TestApp } from '../support/harness';

const NODE = `query($id: ID!) { node(id: $id) { __typename nodeId ... on Organization { id name } ... on Member { id name } ... on Fund { id name } } }`;

describe('global object identification (Node)', () => {
  let t: TestApp;
  let fed: Federation;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
    for (const name of ['wang', 'danfeng.approver', 'shangnan.approver']) tokens[name] = await t.login(name);
  });
  afterAll(() => t.close());

  it('gives every main type a nodeId beside its raw id, and refetches each by it', async () => {
    const res = await t.gql(
      `query($org: ID!, $member: ID!, $fund: ID!) {
         organization(id: $org) { id nodeId } member(id: $member) { id nodeId } fund(id: $fund) { id nodeId } }`,
      { org: fed.orgs.longfeng.id, member: fed.members.wang.id, fund: fed.funds.danfengAid.id },
      tokens['danfeng.approver'],
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.organization).toEqual({ id: fed.orgs.longfeng.id, nodeId: toGlobalId('Organization', fed.orgs.longfeng.id) });
    expect(res.data.member.nodeId).toBe(toGlobalId('Member', fed.members.wang.id));
    for (const [typename, { id, nodeId }] of [['Organization', res.data.organization], ['Member', res.data.member], ['Fund', res.data.fund]] as const) {
      const again = await t.gql(NODE, { id: nodeId }, tokens['danfeng.approver']);
      expect(again.errors).toBeUndefined();
      expect(again.data.node).toMatchObject({ __typename: typename, nodeId, id });
    }
  });

  it('answers a node the viewer may not read as its own query does, null at node with the error there', async () => {
    // A member of 丹凤's union is private to 商南's approver (NOT_FOUND, as `member(id)`); a fund is FORBIDDEN.
    const member = await t.gql(NODE, { id: toGlobalId('Member', fed.members.wang.id) }, tokens['shangnan.approver']);
    expect(member.data).toEqual({ node: null });
    expect(member.errors?.[0]).toMatchObject({ path: ['node'], extensions: { code: 'NOT_FOUND' } });
    const fund = await t.gql(NODE, { id: toGlobalId('Fund', fed.funds.danfengAid.id) }, tokens['shangnan.approver']);
    expect(fund.data).toEqual({ node: null });
    expect(fund.errors?.[0]).toMatchObject({ path: ['node'], extensions: { code: 'FORBIDDEN' } });
    const direct = await t.gql('query($id: ID!) { fund(id: $id) { id } }', { id: fed.funds.danfengAid.id }, tokens['shangnan.approver']);
    expect(direct.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('refuses what is not a global id of a Node type', async () => {
    for (const id of [fed.members.wang.id, toGlobalId('LedgerEntry', fed.members.wang.id), toGlobalId('Member', '')]) {
      const res = await t.gql(NODE, { id }, tokens.wang);
      expect(res.data).toEqual({ node: null });
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'MALFORMED_ID' });
    }
  });
});
