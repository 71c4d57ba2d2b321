import { buildFederation, Federation } from '../support/fixtures';
import { codeOf, startTestApp, TestApp } from '../support/harness';

describe('the GraphQL API', () => {
  let t: TestApp;
  let fed: Federation;

  beforeAll(async () => {
    t = await startTestApp();
    fed = await buildFederation(t.app.services.orm.em.fork());
  });
  afterAll(() => t.close());

  it('signs in and tells the viewer who they are', async () => {
    const token = await t.login('danfeng.approver');
    const res = await t.gql('{ viewer { username grants { role organizationId } } }', {}, token);
    expect(res.data.viewer).toEqual({ username: 'danfeng.approver', grants: [{ role: 'APPROVER', organizationId: fed.orgs.danfeng.id }] });
  });

  it('refuses a query without a token', async () => {
    const res = await t.gql('{ viewer { username } }');
    expect(codeOf(res)).toBe('UNAUTHENTICATED');
  });
});
