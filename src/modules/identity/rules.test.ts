import { describe, expect, it } from 'vitest';
import { defineAbility, passwordProblems, revealsPersonalData, signInThrottle, type OperatorRole, type Principal } from './rules.ts';

const owner: Principal = { kind: 'seller', accountId: 'acc_o', sessionId: 's', sellerId: 'sel_a', role: 'owner', permissions: [] };
const productsStaff: Principal = { kind: 'seller', accountId: 'acc_p', sessionId: 's', sellerId: 'sel_a', role: 'staff', permissions: ['products'] };
const settingsStaff: Principal = { kind: 'seller', accountId: 'acc_s', sessionId: 's', sellerId: 'sel_a', role: 'staff', permissions: ['settings'] };
const operator = (roles: OperatorRole[], dataTier: 'masked' | 'contact' | 'full' = 'masked'): Principal => ({
  kind: 'operator',
  accountId: 'acc_x',
  sessionId: 's',
  roles,
  dataTier,
});

describe('abilities', () => {
  it('keeps sellers inside their own seller', () => {
    const ability = defineAbility(owner);
    expect(ability.can('update', { __caslSubjectType__: 'SellerApplication', sellerId: 'sel_a' } as never)).toBe(true);
    expect(ability.can('read', { __caslSubjectType__: 'SellerApplication', sellerId: 'sel_b' } as never)).toBe(false);
  });

  it('gives staff only what their permission sets open', () => {
    expect(defineAbility(productsStaff).can('read', 'SellerApplication')).toBe(false);
    expect(defineAbility(productsStaff).can('manage', 'Product')).toBe(true);
    expect(defineAbility(settingsStaff).can('submit', 'SellerApplication')).toBe(true);
    expect(defineAbility(settingsStaff).can('create', 'SellerStaff')).toBe(false);
    expect(defineAbility(owner).can('create', 'SellerStaff')).toBe(true);
  });

  it('gives operators what their roles allow', () => {
    expect(defineAbility(operator(['support'])).can('read', 'SellerApplication')).toBe(true);
    expect(defineAbility(operator(['support'])).can('review', 'SellerApplication')).toBe(false);
    expect(defineAbility(operator(['reviewer'])).can('review', 'SellerApplication')).toBe(true);
    expect(defineAbility(operator(['reviewer'])).can('manage', 'ComplianceCase')).toBe(false);
    expect(defineAbility(operator(['finance'])).can('create', 'FeePolicy')).toBe(true);
    expect(defineAbility(operator(['admin'])).can('create', 'Operator')).toBe(true);
    expect(defineAbility(operator(['reviewer', 'compliance'])).can('update', 'ComplianceCase')).toBe(true);
  });

  it('lets logistics operators record where platform parcels go, and support only look', () => {
    expect(defineAbility(operator(['logistics'])).can('create', 'Tracking')).toBe(true);
    expect(defineAbility(operator(['logistics'])).can('read', 'SellerApplication')).toBe(false);
    expect(defineAbility(operator(['support'])).can('read', 'Tracking')).toBe(true);
    expect(defineAbility(operator(['support'])).can('create', 'Tracking')).toBe(false);
    expect(defineAbility(operator(['reviewer'])).can('read', 'Tracking')).toBe(false);
    expect(defineAbility(operator(['finance'])).can('create', 'Tracking')).toBe(false);
    expect(defineAbility(operator(['admin'])).can('create', 'Tracking')).toBe(true);
  });
});

describe('personal data visibility', () => {
  it.each([
    ['masked', 'contact', false],
    ['masked', 'identity', false],
    ['contact', 'contact', true],
    ['contact', 'identity', false],
    ['full', 'contact', true],
    ['full', 'identity', true],
  ] as const)('an operator of tier %s sees %s data in full: %s', (tier, dataClass, expected) => {
    expect(revealsPersonalData(operator(['admin'], tier), dataClass)).toBe(expected);
  });

  it('shows a seller owner everything of their own and staff only contact data', () => {
    expect(revealsPersonalData(owner, 'identity')).toBe(true);
    expect(revealsPersonalData(settingsStaff, 'contact')).toBe(true);
    expect(revealsPersonalData(settingsStaff, 'identity')).toBe(false);
  });
});

describe('password policy', () => {
  it('asks for length, not composition', () => {
    expect(passwordProblems('correct horse battery', 'a@b.cn')).toEqual([]);
    expect(passwordProblems('short', 'a@b.cn')).toEqual(['must be at least 10 characters']);
    expect(passwordProblems('aaaaaaaaaaaa', 'a@b.cn')).toEqual(['must not repeat one character']);
    expect(passwordProblems('Wang.Li@Example.cn', 'wang.li@example.cn')).toEqual(['must not be the e-mail address']);
    expect(passwordProblems('x'.repeat(257) + 'y', 'a@b.cn')).toEqual(['must be at most 256 characters']);
  });
});

describe('sign-in throttle', () => {
  const now = new Date('2026-01-01T12:00:00Z');
  const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

  it('allows four recent failures and refuses the fifth until the oldest leaves the window', () => {
    expect(signInThrottle({ email: [14, 10, 5, 1].map(minutesAgo), ip: [] }, now)).toEqual({ allowed: true });
    expect(signInThrottle({ email: [14, 10, 5, 3, 1].map(minutesAgo), ip: [] }, now)).toEqual({ allowed: false, retryAfterSeconds: 60 });
  });

  it('forgets failures older than the window', () => {
    expect(signInThrottle({ email: [40, 30, 20, 16, 1].map(minutesAgo), ip: [] }, now)).toEqual({ allowed: true });
  });

  it('limits a client address across e-mails too', () => {
    const fifty = Array.from({ length: 50 }, (_, i) => minutesAgo(10 - i * 0.1));
    expect(signInThrottle({ email: [], ip: fifty }, now)).toEqual({ allowed: false, retryAfterSeconds: 300 });
  });
});
