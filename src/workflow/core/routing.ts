import type { Grant, OrgRef, RouteLevel } from './types';
import { covers } from '../../common/subtree';

/** Rank of a routing level in the hierarchy; the levels between grassroots and county rank in between. */
const RANK: Record<OrgRef['level'], number> = {
  GRASSROOTS: 0,
  TOWN: 1,
  PARK: 1,
  SECTOR: 1,
  INDUSTRY: 1,
  COUNTY: 2,
  CITY: 3,
  PROVINCE: 4,
};

/**
 * The organisation a step is routed to: the subject's own organisation for SUBJECT_ORG, otherwise the nearest
 * ancestor-or-self at that level. A union with no such level above it (a 市直 union directly under the city
 * federation has no county) goes to the nearest ancestor of a higher level, which does that level's work.
 * Candidates must lie on the subject's path, so a stray ancestor list (another county's org) can never
 * capture a task. Null when the tree has nothing at or above that level.
 */
export function resolveRoute(route: RouteLevel, subjectOrg: OrgRef, ancestors: readonly OrgRef[]): OrgRef | null {
  if (route === 'SUBJECT_ORG') return subjectOrg;
  const onPath = [subjectOrg, ...ancestors].filter((org) => covers(org.path, subjectOrg.path));
  const nearest = (candidates: OrgRef[]) =>
    candidates.reduce<OrgRef | null>((best, org) => (!best || org.path.length > best.path.length ? org : best), null);
  return nearest(onPath.filter((org) => org.level === route)) ?? nearest(onPath.filter((org) => RANK[org.level] > RANK[route]));
}

/** A grant covers an organisation when it is held on it or on one of its ancestors. */
export function grantCovers(grant: Grant, role: string, orgPath: string): boolean {
  return grant.role === role && covers(grant.path, orgPath);
}

export function holdsAnyRole(grants: readonly Grant[], roles: readonly string[], orgPath: string): boolean {
  return grants.some((g) => roles.some((r) => grantCovers(g, r, orgPath)));
}
