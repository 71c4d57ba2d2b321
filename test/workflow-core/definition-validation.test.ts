import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { DefinitionError, loadDefinitions, parseDefinition, type DefinitionIssue } from '../../src/workflow/definitions';

const WORKFLOWS = join(__dirname, '../../workflows');
const source = (key: string) => readFileSync(join(WORKFLOWS, `${key}.yaml`), 'utf8');

/** Loads a shipped definition, lets the test break it, and returns the issues parseDefinition reports. */
function issuesAfter(key: string, mutate: (doc: any) => void, fileName = `${key}.yaml`): DefinitionIssue[] {
  const doc = parse(source(key));
  mutate(doc);
  return issuesOf(stringify(doc), fileName);
}

function issuesOf(text: string, fileName: string): DefinitionIssue[] {
  try {
    parseDefinition(text, fileName);
  } catch (e) {
    if (e instanceof DefinitionError) return e.issues;
    throw e;
  }
  throw new Error('expected a DefinitionError');
}

const at = (issues: DefinitionIssue[]) => issues.map((i) => i.path);

describe('workflow definitions', () => {
  it.each(['aid-application', 'expense-review', 'award-nomination'])('loads %s as shipped', (key) => {
    const def = parseDefinition(source(key), `${key}.yaml`);
    expect(def).toMatchObject({ key, version: 1 });
    expect(Object.isFrozen(def.states)).toBe(true); // the engine can share one definition safely
  });

  it('fills defaults: optional comments, empty action maps, notify escalation', () => {
    const def = parseDefinition(source('aid-application'), 'aid-application.yaml');
    const verify = def.states.GRASSROOTS_VERIFY;
    if (verify.kind !== 'task') throw new Error('expected a task');
    expect(verify.actions.approve).toEqual({ to: 'COUNTY_REVIEW', comment: 'optional', newRound: false, updatesSubject: false });
    expect(verify.publicActions).toEqual({});
    expect(def.parameters.thresholdFen).toMatchObject({ type: 'integer', value: 500000 });
  });

  describe('reports precise issues', () => {
    it('for a YAML syntax error', () => {
      const issues = issuesOf('key: x\nstates: [unclosed\n', 'x.yaml');
      expect(issues[0]).toMatchObject({ file: 'x.yaml', path: '' });
      expect(issues[0].message).toMatch(/^YAML: /);
    });

    it('for a duplicated YAML key (which would otherwise silently win)', () => {
      const text = source('aid-application').replace('  PAID:\n', '  PAID:\n    kind: final\n    title: again\n    outcome: PAID\n  PAID:\n');
      expect(issuesOf(text, 'aid-application.yaml')[0].message).toMatch(/unique/i);
    });

    it('for an initial state that does not exist', () => {
      const issues = issuesAfter('aid-application', (d) => (d.initial = 'NOWHERE'));
      expect(issues).toContainEqual({ file: 'aid-application.yaml', path: 'initial', message: 'target state NOWHERE is not declared' });
    });

    it('for an action target that does not exist, at the action', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.actions.reject.to = 'REJECT'));
      expect(issues).toContainEqual(expect.objectContaining({ path: 'states.COUNTY_REVIEW.actions.reject.to', message: 'target state REJECT is not declared' }));
    });

    it('for a conditional route target that does not exist, at the route entry', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.actions.approve.to[1].to = 'PAY'));
      expect(at(issues)).toContain('states.COUNTY_REVIEW.actions.approve.to[1].to');
    });

    it('for a default route that is not last', () => {
      const issues = issuesAfter('aid-application', (d) => d.states.COUNTY_REVIEW.actions.approve.to.reverse());
      expect(at(issues)).toEqual(['states.COUNTY_REVIEW.actions.approve.to[0]', 'states.COUNTY_REVIEW.actions.approve.to[1]']);
    });

    it('for a condition on an undeclared parameter or field', () => {
      const issues = issuesAfter('aid-application', (d) => {
        d.states.COUNTY_REVIEW.actions.approve.to[0].when = { all: [{ field: 'amount', op: 'gt', param: 'limitFen' }, { field: 'urgency', op: 'eq', value: 'HIGH' }] };
      });
      expect(issues).toEqual([
        expect.objectContaining({ path: 'states.COUNTY_REVIEW.actions.approve.to[0].when.all[0].param', message: 'parameter limitFen is not declared in parameters' }),
        expect.objectContaining({ path: 'states.COUNTY_REVIEW.actions.approve.to[0].when.all[1].field', message: 'field urgency is not declared in subject.fields' }),
      ]);
    });

    it('for a malformed condition, at the faulty part', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.actions.approve.to[0].when = { any: [{ field: 'amount', op: 'bigger', value: 1 }] }));
      expect(issues).toEqual([expect.objectContaining({ path: 'states.COUNTY_REVIEW.actions.approve.to[0].when.any[0].op' })]);
    });

    it('for comparing a text field by size', () => {
      const issues = issuesAfter('award-nomination', (d) => (d.states.PUBLIC_NOTICE.then[0].when = { field: 'awardLevel', op: 'gt', value: 'CITY' }));
      expect(issues).toContainEqual(expect.objectContaining({ path: 'states.PUBLIC_NOTICE.then[0].when.op', message: 'gt needs a numeric field; awardLevel is string' }));
    });

    it('for a value outside the field enum', () => {
      const issues = issuesAfter('award-nomination', (d) => (d.states.PUBLIC_NOTICE.then[0].when.value = ['PROVINCIAL', 'GLOBAL']));
      expect(at(issues)).toEqual(['states.PUBLIC_NOTICE.then[0].when.value[1]']);
    });

    it('for a state that cannot be reached from the start', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.ORPHAN = { kind: 'final', title: 'Orphan', outcome: 'ORPHANED' }));
      expect(issues).toEqual([expect.objectContaining({ path: 'states.ORPHAN', message: 'state ORPHAN is unreachable from the initial state' })]);
    });

    it('for states that can never reach a final state', () => {
      const issues = issuesAfter('aid-application', (d) => {
        d.states.CITY_APPROVAL.actions.consult = { to: 'CONSULT_A' };
        const step = (to: string) => ({ kind: 'task', title: to, assignee: { role: 'APPROVER', organization: 'CITY' }, deadline: 'P1D', actions: { pass: { to } } });
        d.states.CONSULT_A = step('CONSULT_B');
        d.states.CONSULT_B = step('CONSULT_A');
      });
      expect(issues.map((i) => i.message)).toEqual(['state CONSULT_A cannot reach a final state', 'state CONSULT_B cannot reach a final state']);
    });

    it('for transitions out of a final state', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.PAID.actions = { reopen: { to: 'GRASSROOTS_VERIFY' } }));
      expect(issues).toEqual([{ file: 'aid-application.yaml', path: 'states.PAID.actions', message: 'a final state has no outgoing transitions' }]);
    });

    it('for a vote quorum larger than the seats', () => {
      const issues = issuesAfter('award-nomination', (d) => (d.states.SELECTION_VOTE.quorum = { approvals: 6, of: 5 }));
      expect(issues).toEqual([expect.objectContaining({ path: 'states.SELECTION_VOTE.quorum.approvals', message: 'quorum cannot exceed the seats: 6 of 5' })]);
    });

    it('for durations that do not parse, and a reminder that does not fit its deadline', () => {
      const issues = issuesAfter('aid-application', (d) => {
        d.states.GRASSROOTS_VERIFY.deadline = '3 days';
      });
      expect(issues).toEqual([expect.objectContaining({ path: 'states.GRASSROOTS_VERIFY.deadline', message: expect.stringMatching(/ISO-8601 duration/) })]);
      const late = issuesAfter('aid-application', (d) => (d.states.CITY_APPROVAL.reminder = { before: 'P5D' }));
      expect(at(late)).toEqual(['states.CITY_APPROVAL.reminder.before']);
      const fraction = issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.reminder = { at: 1.5 }));
      expect(at(fraction)).toEqual(['states.COUNTY_REVIEW.reminder.at']);
    });

    it('for an action name used twice in one state', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.applicantActions.approve = { to: 'WITHDRAWN' }));
      expect(issues).toEqual([expect.objectContaining({ path: 'states.COUNTY_REVIEW.applicantActions.approve', message: 'action approve is already declared in actions of this state' })]);
    });

    it('for an unknown role, kind or key', () => {
      expect(issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.assignee.role = 'APROVER'))).toEqual([
        expect.objectContaining({ path: 'states.COUNTY_REVIEW.assignee.role', message: expect.stringMatching(/^role must be one of/) }),
      ]);
      expect(at(issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.kind = 'approval')))).toEqual(['states.COUNTY_REVIEW.kind']);
      expect(issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.deadlin = 'P1D'))).toEqual([
        expect.objectContaining({ path: 'states.COUNTY_REVIEW', message: 'unknown key: deadlin' }),
      ]);
    });

    it('for a system step without an ok outcome', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.DISBURSE.on = { INSUFFICIENT_FUNDS: 'DISBURSEMENT_FAILED' }));
      expect(issues).toContainEqual(expect.objectContaining({ path: 'states.DISBURSE.on.ok', message: 'a system state needs an ok outcome' }));
    });

    it('for an escalation that reassigns downwards', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.COUNTY_REVIEW.escalation.assignee.organization = 'GRASSROOTS'));
      expect(at(issues)).toEqual(['states.COUNTY_REVIEW.escalation.assignee.organization']);
    });

    it('for a file whose name does not match its key or version', () => {
      expect(issuesOf(source('aid-application'), 'workflows/aid.yaml')).toEqual([expect.objectContaining({ path: 'key' })]);
      expect(issuesOf(source('aid-application'), 'aid-application.v2.yaml')).toEqual([expect.objectContaining({ path: 'version' })]);
    });

    it('listing every issue in the message, with file and path', () => {
      const doc = parse(source('aid-application'));
      doc.initial = 'NOWHERE';
      doc.states.COUNTY_REVIEW.actions.reject.to = 'REJECT';
      try {
        parseDefinition(stringify(doc), 'aid-application.yaml');
        throw new Error('expected a DefinitionError');
      } catch (e) {
        expect(e).toBeInstanceOf(DefinitionError);
        expect((e as Error).message).toBe(
          'invalid workflow definition (2 issues):\n' +
            '  aid-application.yaml at initial: target state NOWHERE is not declared\n' +
            '  aid-application.yaml at states.COUNTY_REVIEW.actions.reject.to: target state REJECT is not declared',
        );
      }
    });
  });

  describe('loading a directory', () => {
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'gonghui-wf-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('keeps several versions of one key and serves the latest', () => {
      writeFileSync(join(dir, 'aid-application.yaml'), source('aid-application'));
      writeFileSync(join(dir, 'aid-application.v2.yaml'), source('aid-application').replace('version: 1', 'version: 2').replace('value: 500000', 'value: 800000'));
      writeFileSync(join(dir, 'README.md'), 'not a definition');
      const registry = loadDefinitions(dir);
      expect(registry.versions('aid-application')).toEqual([1, 2]);
      expect(registry.latest('aid-application')?.parameters.thresholdFen.value).toBe(800000);
      expect(registry.get('aid-application', 1)?.parameters.thresholdFen.value).toBe(500000);
      expect(registry.latest('nothing')).toBeUndefined();
    });

    it('reports the issues of every file at once, including a version defined twice', () => {
      writeFileSync(join(dir, 'aid-application.yaml'), source('aid-application'));
      writeFileSync(join(dir, 'aid-application.v1.yaml'), source('aid-application'));
      writeFileSync(join(dir, 'expense-review.yaml'), source('expense-review').replace('initial: FINANCE_REVIEW', 'initial: FINANCE'));
      try {
        loadDefinitions(dir);
        throw new Error('expected a DefinitionError');
      } catch (e) {
        expect(e).toBeInstanceOf(DefinitionError);
        const issues = (e as DefinitionError).issues.map((i) => [i.file.replace(dir, '<dir>'), i.path]);
        expect(issues).toEqual([
          ['<dir>/aid-application.yaml', 'version'],
          ['<dir>/expense-review.yaml', 'initial'],
        ]);
      }
    });
  });

  describe('approval actions of a step', () => {
    it('are off unless declared, and read as declared', () => {
      const def = parseDefinition(source('aid-application'), 'aid-application.yaml');
      const [verify, review, returned] = [def.states.GRASSROOTS_VERIFY, def.states.COUNTY_REVIEW, def.states.RETURNED];
      if (verify.kind !== 'task' || review.kind !== 'task' || returned.kind !== 'task') throw new Error('expected tasks');
      expect(verify).toMatchObject({ transfer: true, delegable: true, urge: { every: 'P1D' }, carbonCopy: { recipients: [], byAssignee: true } });
      expect(verify.returnTo).toBeUndefined();
      expect(review.returnTo).toEqual({ applicant: 'RETURNED' });
      expect(review.carbonCopy).toEqual({ recipients: [{ role: 'AUDITOR', organization: 'COUNTY' }], byAssignee: true });
      expect(returned).toMatchObject({ transfer: false, delegable: false });
      expect(returned.urge).toBeUndefined();
    });

    it('reserve their names: a state may not declare them as its own actions', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.GRASSROOTS_VERIFY.actions.transfer = { to: 'COUNTY_REVIEW' }));
      expect(issues).toContainEqual(expect.objectContaining({ path: 'states.GRASSROOTS_VERIFY.actions.transfer', message: expect.stringMatching(/approval action/) }));
    });

    it('are for steps of a role, not the applicant’s', () => {
      const issues = issuesAfter('aid-application', (d) => Object.assign(d.states.RETURNED, { transfer: true, urge: {}, returnTo: {} }));
      expect(at(issues).sort()).toEqual(['states.RETURNED.returnTo', 'states.RETURNED.transfer', 'states.RETURNED.urge']);
    });

    it('return to the applicant only through an applicant’s step, and copy someone', () => {
      const issues = issuesAfter('aid-application', (d) => {
        d.states.CITY_APPROVAL.returnTo = { applicant: 'COUNTY_REVIEW' };
        d.states.CITY_APPROVAL.carbonCopy = { byAssignee: false };
      });
      expect(issues).toEqual([
        expect.objectContaining({ path: 'states.CITY_APPROVAL.returnTo.applicant', message: 'COUNTY_REVIEW is not the applicant\'s step (a task with assignee: applicant)' }),
        expect.objectContaining({ path: 'states.CITY_APPROVAL.carbonCopy', message: 'name recipients, or let the assignee add them (byAssignee: true)' }),
      ]);
    });

    it('take an ISO duration for the urge interval', () => {
      const issues = issuesAfter('aid-application', (d) => (d.states.GRASSROOTS_VERIFY.urge = { every: 'daily' }));
      expect(at(issues)).toEqual(['states.GRASSROOTS_VERIFY.urge.every']);
    });
  });
});
