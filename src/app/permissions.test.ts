import { describe, expect, it } from 'vitest';

import type { Actor } from '../shared/actor.js';
import {
  canControlRun,
  canCreateDag,
  canDecideRequest,
  canEditDag,
  canManageDag,
  canSeeDag,
  canStartDag,
  effectivePermissions,
  samePermissions,
  type DagAccessInfo,
} from './permissions.js';

const actor = (username: string, role: string): Actor => ({
  userId: `id-${username}`,
  username,
  roles: [role],
});

const admin = actor('root', 'admin');
const owner = actor('alice', 'user');
const editor = actor('eddie', 'user');
const listedViewer = actor('vera', 'user');
const viewerAccount = actor('vic', 'viewer');
const outsider = actor('olly', 'user');

const privateDag: DagAccessInfo = {
  permissions: JSON.stringify({
    owners: ['alice'],
    editors: ['id-eddie'], // user ids work as well as usernames
    viewers: ['vera', 'vic'],
    isPublic: false,
  }),
  createdBy: 'alice',
};
const publicDag: DagAccessInfo = {
  permissions: { owners: ['alice'], editors: [], viewers: [], isPublic: true },
  createdBy: 'alice',
};
const unspecified: DagAccessInfo = { permissions: null, createdBy: 'alice' };

type Rule = (who: Actor, dag: DagAccessInfo) => boolean;

/** [rule, dag, admin, owner, editor, listed viewer, viewer account, outsider] */
const TABLE: readonly [string, Rule, DagAccessInfo, ...boolean[]][] = [
  ['see', canSeeDag, privateDag, true, true, true, true, true, false],
  ['see', canSeeDag, publicDag, true, true, true, true, true, true],
  ['edit', canEditDag, privateDag, true, true, true, false, false, false],
  ['edit', canEditDag, publicDag, true, true, false, false, false, false],
  ['manage', canManageDag, privateDag, true, true, false, false, false, false],
  ['start', canStartDag, privateDag, true, true, true, false, false, false],
  ['start', canStartDag, publicDag, true, true, true, true, false, true],
  [
    'control (not the starter)',
    (w, d) => canControlRun(w, d, 'someone'),
    privateDag,
    true,
    true,
    true,
    false,
    false,
    false,
  ],
  [
    'control (the starter)',
    (w, d) => canControlRun(w, d, w.username!),
    privateDag,
    true,
    true,
    true,
    true,
    false,
    true,
  ],
  ['decide', canDecideRequest, privateDag, true, true, true, true, true, false],
  ['see, no permissions stored', canSeeDag, unspecified, true, true, true, true, true, true],
  ['edit, no permissions stored', canEditDag, unspecified, true, true, false, false, false, false],
];

describe('DAG permissions', () => {
  for (const [name, rule, dag, ...expected] of TABLE) {
    it(`${name}: ${JSON.stringify(expected)}`, () => {
      const who = [admin, owner, editor, listedViewer, viewerAccount, outsider];
      expect(who.map((w) => rule(w, dag))).toEqual(expected);
    });
  }

  it('lets admins and users create DAGs, not viewers', () => {
    expect([admin, owner, viewerAccount].map(canCreateDag)).toEqual([true, true, false]);
  });

  it('a DAG stored without permissions is owned by its creator and public', () => {
    expect(effectivePermissions(unspecified)).toEqual({
      owners: ['alice'],
      editors: [],
      viewers: [],
      isPublic: true,
    });
  });

  it('compares permission sets regardless of order', () => {
    const a = { owners: ['a', 'b'], editors: [], viewers: ['c'], isPublic: false };
    expect(samePermissions(a, { ...a, owners: ['b', 'a'] })).toBe(true);
    expect(samePermissions(a, { ...a, isPublic: true })).toBe(false);
    expect(samePermissions(a, { ...a, viewers: [] })).toBe(false);
  });
});
