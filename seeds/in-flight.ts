/**
 * Work in flight for the demo: applications, expenses and nominations filed and decided through the same
 * service methods the API calls, as the demo accounts, so every demo inbox has tasks on first login. The
 * workers' job handlers open the tasks and run the system steps (WorkflowRunner, called here directly: no
 * Redis). Timers and notices stay in the outbox for the first worker to pick up; their handlers are idempotent.
 */
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { App } from '../src/app/bootstrap';
import { runSql } from '../src/db/sql';
import { FundKind } from '../src/funds/fund.entity';
import { MemberStatus } from '../src/members/member.entity';
import { OrganizationLevel } from '../src/organizations/organization.entity';
import { Award, AwardLevel } from '../src/awards/nomination.entity';
import { AidType } from '../src/aid/aid-application.entity';
import { ExpenseCategory } from '../src/expenses/expense.entity';
import type { WorkflowJob } from '../src/workflow/queue';
import type { MemberRow, OrganizationRow, SeedData } from './generator';

/** A decision on the instance's open task: [username, action, comment]. */
type Step = [string, string, string?];

export interface InFlightResult {
  instances: number;
}

export async function putWorkInFlight(app: App, data: SeedData): Promise<InFlightResult> {
  const { services, runner } = app;
  const em = () => services.orm.em.fork() as EntityManager;
  const accountIds = new Map(data.accounts.map((a) => [a.username, a.id]));
  const viewer = (username: string) => services.auth.viewerFor(em(), accountIds.get(username)!);
  const org = (code: string) => data.organizations.find((o) => o.code === code)!;
  const fund = (owner: OrganizationRow, kind: FundKind) => data.funds.find((f) => f.ownerId === owner.id && f.kind === kind)!.id;
  const city = data.organizations.find((o) => o.level === OrganizationLevel.CITY)!;
  const counties = data.organizations.filter((o) => o.level === OrganizationLevel.COUNTY);
  const cityHardship = fund(city, FundKind.HARDSHIP_AID);
  let instances = 0;

  /** Runs the jobs the workers would: open the tasks, run the effects; until nothing of that kind is left. */
  const drain = async () => {
    for (;;) {
      const { rows } = await runSql<{ id: string; job_name: 'open-task' | 'effect'; payload: { instanceId: string; ref: string } }>(
        em(),
        `select id, job_name, payload from workflow_outbox where job_name in ('open-task', 'effect') and sent_at is null order by id`,
        [],
      );
      if (!rows.length) return;
      for (const r of rows) await runner.handle({ name: r.job_name, data: { ...r.payload, obligationId: String(r.id) } } as WorkflowJob);
    }
  };
  const openTask = async (instanceId: string) => {
    const { rows: [task] } = await runSql<{ id: string }>(em(), `select id from workflow_task where instance_id = ? and status = 'OPEN'`, [instanceId]);
    if (!task) throw new Error(`seed: instance ${instanceId} has no open task`);
    return task.id;
  };
  /** Files a subject, then takes each step on its open task in turn. */
  const journey = async (file: () => Promise<{ instanceId?: string }>, steps: Step[]) => {
    const { instanceId } = await file();
    instances++;
    await drain();
    for (const [username, action, comment] of steps) {
      const taskId = await openTask(instanceId!);
      await services.workflow.decide(em(), await viewer(username), { taskId, action, comment, idempotencyKey: randomUUID() });
      await drain();
    }
    return instanceId!;
  };

  // ------------------------------------------------------------------------------ aid applications
  const aid = (member: string, amount: number, reason: string, steps: Step[] = []) =>
    journey(async () => {
      const v = await viewer(member);
      return services.aid.apply(em(), v, { memberId: v.member!.id, aidType: AidType.HARDSHIP, fundId: cityHardship, amount, reason });
    }, steps);
  // member4 is kept for the README's worked example.
  await aid('member5', 200000, '孩子上学费用困难');                                                     // GRASSROOTS_VERIFY
  await aid('member6', 300000, '家中房屋漏雨需维修', [['longfengqiao.approver', 'approve', '情况属实']]); // COUNTY_REVIEW
  await aid('member5', 700000, '配偶住院手术', [['longfengqiao.approver', 'approve', '情况属实'], ['danfeng.approver', 'approve', '同意']]); // CITY_APPROVAL
  await aid('member6', 150000, '生活困难', [['longfengqiao.approver', 'return', '请补充医院证明']]);      // RETURNED
  await aid('member2', 250000, '车祸受伤误工');                                                         // GRASSROOTS_VERIFY
  await aid('member3', 300000, '父亲重病', [['express.approver', 'approve', '情况属实']]);                // COUNTY_REVIEW
  await aid('member8', 200000, '菌棚受灾');
  await aid('member9', 350000, '家人重病', [['muer.approver', 'approve', '情况属实']]);

  // ------------------------------------------------------------------------------ expense reviews
  const expense = (submitter: string, owner: OrganizationRow, amount: number, description: string, steps: Step[] = []) =>
    journey(
      async () =>
        services.expenses.submit(em(), await viewer(submitter), {
          organizationId: owner.id, fundId: fund(owner, FundKind.UNION_DUES), category: ExpenseCategory.ACTIVITY, amount, description,
        }),
      steps,
    );
  const reviewed = async (prefix: string, owner: OrganizationRow) => {
    await expense(`${prefix}.approver`, owner, 300000, '“五一”职工趣味运动会');                                  // FINANCE_REVIEW
    await expense(`${prefix}.approver`, owner, 450000, '职工书屋图书购置', [[`${prefix}.finance`, 'approve', '票据齐全']]); // AUDIT_REVIEW
  };
  await reviewed('city', city);
  /** A login prefix (`danfeng`) and its organisation, as the demo logins name them. */
  const loginOrg = (prefix: string) => {
    const login = data.logins.find((l) => l.username === `${prefix}.approver`)!;
    return org(login.organization.slice(login.organization.lastIndexOf('(') + 1, -1));
  };
  const prefixOf = (o: OrganizationRow) => data.logins.find((l) => l.username.endsWith('.approver') && l.organization === `${o.name} (${o.code})`)!.username.split('.')[0]!;
  const countyLogins = counties.map((c) => [prefixOf(c), c] as const);
  for (const [prefix, county] of countyLogins) await reviewed(prefix, county);
  const unions = ['longfengqiao', 'express', 'muer'].map((prefix) => [prefix, loginOrg(prefix)] as const);
  for (const [prefix, union] of unions) {
    await reviewed(prefix, union);
    await expense(`${prefix}.approver`, union, 2500000, '困难职工慰问品采购', [[`${prefix}.finance`, 'approve', '票据齐全'], [`${prefix}.auditor`, 'approve', '符合规定']]); // COUNTY_REVIEW
    await expense(`${prefix}.approver`, union, 120000, '工会小组活动经费', [[`${prefix}.finance`, 'sendBack', '缺少活动签到表']]); // CORRECTION
  }

  // ------------------------------------------------------------------------------ award nominations
  const withAccount = new Set(data.accounts.map((a) => a.memberId).filter(Boolean));
  const nominees = (union: OrganizationRow): MemberRow[] =>
    data.members.filter((m) => m.organizationId === union.id && m.status === MemberStatus.ACTIVE && !withAccount.has(m.id));
  const nominate = (nominator: string, member: MemberRow, award: Award, awardLevel: AwardLevel, steps: Step[] = []) =>
    journey(
      async () => services.awards.nominate(em(), await viewer(nominator), { memberId: member.id, award, awardLevel, year: 2026, citation: `${member.name}同志爱岗敬业，成绩突出。` }),
      steps,
    );
  // One at COUNTY_REVIEW in every county, nominated by a grassroots union there (by admin where it has no logins).
  for (const [, county] of countyLogins) {
    const own = unions.find(([, u]) => u.path.startsWith(county.path));
    const union = own?.[1] ?? data.organizations.find((o) => o.level === OrganizationLevel.GRASSROOTS && o.path.startsWith(county.path) && nominees(o).length)!;
    await nominate(own ? `${own[0]}.approver` : 'admin', nominees(union)[0]!, Award.ADVANCED_WORKER, AwardLevel.CITY);
  }
  // Further along, from 龙凤桥: the committee's vote, public notice, an investigation, the province's decision.
  const [, longfengqiao] = unions[0]!;
  const [, , a, b, c, d] = nominees(longfengqiao);
  const county: Step = ['danfeng.approver', 'approve', '推荐材料齐全'];
  const votes: Step[] = ['city.auditor2', 'city.auditor3', 'city.auditor4'].map((u) => [u, 'approve']);
  await nominate('longfengqiao.approver', a!, Award.ADVANCED_WORKER, AwardLevel.CITY, [county]);                   // SELECTION_VOTE
  await nominate('longfengqiao.approver', b!, Award.MODEL_WORKER, AwardLevel.CITY, [county, ...votes]);            // PUBLIC_NOTICE
  const objected = async (nominee: MemberRow, award: Award, level: AwardLevel, reason: string) => {
    const instanceId = await nominate('longfengqiao.approver', nominee, award, level, [county, ...votes]);
    await services.awards.object(em(), await viewer('member1'), { instanceId, reason });
    await drain();
    return instanceId;
  };
  await objected(c!, Award.MAY_DAY_MEDAL, AwardLevel.CITY, '事迹材料中的获奖时间有误');                              // INVESTIGATION
  const toProvince = await objected(d!, Award.MODEL_WORKER, AwardLevel.PROVINCIAL, '请核实其工作年限');
  await services.workflow.decide(em(), await viewer('city.approver'), { taskId: await openTask(toProvince), action: 'clear', comment: '经核查，异议不成立', idempotencyKey: randomUUID() });
  await drain();                                                                                                   // PROVINCE_DECISION
  return { instances };
}
