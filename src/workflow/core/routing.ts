import type { Grant, OrgRef, RouteLevel } from './types';

/**
 * The organisation a step is routed to: the subject's own organisation for SUBJECT_ORG, otherwise the nearest
 * ancestor-or-self at that level. Candidates must lie on the subject's path, so a stray ancestor list
 * (another county's org) can never capture a task. Null when the tree has no organisation at that level.
 */
export function resolveRoute(route: RouteLevel, subjectOrg: OrgRef, ancestors: readonly OrgRef[]): OrgRef | null {
  if (route === 'SUBJECT_ORG') return subjectOrg;
  let best: OrgRef | null = null;
  for (const org of [subjectOrg, ...ancestors]) {
    if (org.level !== route || !subjectOrg.path.startsWith(org.path)) continue;
    if (!best || org.path.length > best.path.length) best = org;
  }
  return best;
}

/** A grant covers an organisation when it is held on it or on one of its ancestors. */
export function grantCovers(grant: Grant, role: string, orgPath: string): boolean {
  // A path without its trailing slash would let "/a/b" cover "/a/bc/".
  const path = grant.path.endsWith('/') ? grant.path : `${grant.path}/`;
  return grant.role === role && orgPath.startsWith(path);
}

export function holdsAnyRole(grants: readonly Grant[], roles: readonly string[], orgPath: string): boolean {
  return grants.some((g) => roles.some((r) => grantCovers(g, r, orgPath)));
}
