import { Cursor } from '@mikro-orm/core';
import { buildFederation } from '../../support/fixtures';
import { startTestApp } from '../../support/harness';
it('peek', async () => {
  const t = await startTestApp();
  const fed = await buildFederation(t.app.services.orm.em.fork());
  const tok = await t.login('danfeng.finance');
  const r = await t.gql(`query($id: ID!) { fund(id: $id) { ledger { edges { cursor } } } members { edges { cursor } } }`, { id: fed.funds.danfengAid.id }, tok);
  console.log(JSON.stringify(r.data), Cursor.decode(r.data.fund.ledger.edges[0].cursor), Cursor.decode(r.data.members.edges[0].cursor));
  const { Utils } = await import('@mikro-orm/core');
  const { LedgerEntry } = await import('../../../src/funds/ledger-entry.entity');
  const meta = t.app.services.orm.em.getMetadata().find(Utils.className(LedgerEntry))!;
  for (const k of ['seq', 'id']) console.log(k, meta.properties[k as 'id'].columnTypes, meta.properties[k as 'id'].runtimeType, meta.properties[k as 'id'].type);
  await t.close();
});
