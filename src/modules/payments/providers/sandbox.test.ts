import { describe, expect, it } from 'vitest';
import type { AttemptRequest, ProviderAnswer } from './provider.ts';
import { PaymentMethodRejected } from './provider.ts';
import { cardBrand, cardExpired, luhnValid, SANDBOX_TEST_CARDS, SandboxPaymentProvider } from './sandbox.ts';

const now = new Date('2026-03-15T10:00:00Z');
const sandbox = new SandboxPaymentProvider({ now: () => now });
const card = (number: string, overrides: Partial<{ expMonth: number; expYear: number; cvc: string }> = {}) => ({ number, expMonth: 12, expYear: 2030, cvc: '123', ...overrides });

function tokenFor(number: string): string {
  const result = sandbox.tokenizeCard(card(number));
  if (!result.ok) throw new Error(JSON.stringify(result.problems));
  return result.token;
}

const request = (token: string): AttemptRequest => ({ attemptId: 'pat_01', paymentId: 'pay_01', amount: { amount: 2599, currency: 'EUR' }, method: { type: 'card', token }, description: null, providerReference: null });
const outcome = (answer: ProviderAnswer) => (answer.kind === 'declined' ? `declined:${answer.code}` : answer.kind);

describe('card checks', () => {
  it.each([
    ['4242424242424242', true],
    ['5555555555554444', true],
    ['4000000000003220', true],
    ['79927398713', true],
    ['4242424242424241', false],
    ['5555555555554445', false],
    ['0000000000000001', false],
  ])('Luhn of %s is %s', (number, valid) => {
    expect(luhnValid(number)).toBe(valid);
  });

  it.each([
    ['4242424242424242', 'visa'],
    ['4000000000000002', 'visa'],
    ['5555555555554444', 'mastercard'],
    ['2223003122003222', 'mastercard'],
    ['378282246310005', null],
    ['6011111111111117', null],
  ])('%s is %s', (number, brand) => {
    expect(cardBrand(number)).toBe(brand);
  });

  it('counts a card good through the last moment of its expiry month', () => {
    expect(cardExpired(3, 2026, new Date('2026-03-31T23:59:59Z'))).toBe(false);
    expect(cardExpired(3, 2026, new Date('2026-04-01T00:00:00Z'))).toBe(true);
    expect(cardExpired(12, 2026, new Date('2027-01-01T00:00:00Z'))).toBe(true);
  });
});

describe('the sandbox’s tokenisation', () => {
  it('turns each test card into a token that holds its last four and expiry, never its number', () => {
    for (const testCard of SANDBOX_TEST_CARDS) {
      const result = sandbox.tokenizeCard(card(testCard.number.replace(/(\d{4})(?=\d)/g, '$1 ')));
      expect(result.ok, testCard.number).toBe(true);
      if (!result.ok) continue;
      expect(result.card).toEqual({ type: 'card', brand: testCard.brand, last4: testCard.number.slice(-4), expMonth: 12, expYear: 2030 });
      expect(result.token).toMatch(/^tok_sandbox_\d{4}_203012_[0-9a-f]{16}$/);
      expect(result.token).not.toContain(testCard.number.slice(0, 12));
    }
  });

  it.each<[string, ReturnType<typeof card>, { field: string; code: string }[]]>([
    ['a number whose check digit is wrong', card('4242424242424241'), [{ field: 'number', code: 'invalid_number' }]],
    ['a number too short', card('4242 4242'), [{ field: 'number', code: 'invalid_number' }]],
    ['an American Express number', card('378282246310005'), [{ field: 'number', code: 'unsupported_brand' }]],
    ['a real-looking Visa that is no test card', card('4111111111111111'), [{ field: 'number', code: 'sandbox_test_card_required' }]],
    ['a card that expired last month', card('4242424242424242', { expMonth: 2, expYear: 2026 }), [{ field: 'exp_year', code: 'expired_card' }]],
    ['an expiry 30 years away', card('4242424242424242', { expYear: 2056 }), [{ field: 'exp_year', code: 'invalid_expiry_year' }]],
    ['a 4-digit CVC on a Visa', card('4242424242424242', { cvc: '1234' }), [{ field: 'cvc', code: 'invalid_cvc' }]],
    ['everything wrong at once', card('4242424242424241', { expMonth: 1, expYear: 2020, cvc: '12' }), [{ field: 'number', code: 'invalid_number' }, { field: 'exp_year', code: 'expired_card' }, { field: 'cvc', code: 'invalid_cvc' }]],
  ])('refuses %s', (_label, details, problems) => {
    const result = sandbox.tokenizeCard(details);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(({ field, code }) => ({ field, code }))).toEqual(problems);
    // Problems never repeat the number they are about.
    expect(JSON.stringify(result.problems)).not.toContain(details.number.replace(/\s/g, ''));
  });

  it('accepts the current month as not yet expired', () => {
    expect(sandbox.tokenizeCard(card('4242424242424242', { expMonth: 3, expYear: 2026 })).ok).toBe(true);
  });
});

describe('the sandbox’s answers', () => {
  it.each([
    ['4242424242424242', 'succeeded'],
    ['5555555555554444', 'succeeded'],
    ['4000000000000002', 'declined:card_declined'],
    ['4000000000009995', 'declined:insufficient_funds'],
    ['4000000000003220', 'requires_action'],
  ])('%s: %s, and the same again when asked for the status', async (number, expected) => {
    const token = tokenFor(number);
    expect(outcome(await sandbox.authorize(request(token)))).toBe(expected);
    expect(outcome(await sandbox.fetchStatus(request(token)))).toBe(expected);
  });

  it('describes a token by brand, last four and expiry', async () => {
    expect(await sandbox.describeMethod({ type: 'card', token: tokenFor('5555555555554444') })).toEqual({ type: 'card', brand: 'mastercard', last4: '4444', expMonth: 12, expYear: 2030 });
  });

  it.each(['tok_visa', 'tok_sandbox_1111_203012_0123456789abcdef', 'tok_sandbox_4242_203013_0123456789abcdef', 'tok_sandbox_4242_203000_0123456789abcdef'])('refuses the token %s', async (token) => {
    await expect(sandbox.describeMethod({ type: 'card', token })).rejects.toBeInstanceOf(PaymentMethodRejected);
    await expect(sandbox.authorize(request(token))).rejects.toMatchObject({ code: 'invalid_token' });
  });

  it('asks for 3-D Secure at its challenge, which then passes or fails', async () => {
    const token = tokenFor('4000000000003220');
    const challenge = await sandbox.authorize(request(token));
    expect(challenge).toMatchObject({ kind: 'requires_action', providerReference: 'sandbox_pat_01', nextAction: { type: 'three_ds', url: '/v1/store/payments/pay_01/three-ds' } });
    const answered = { ...request(token), providerReference: 'sandbox_pat_01' };
    expect(outcome(await sandbox.completeAction({ ...answered, result: 'pass' }))).toBe('succeeded');
    expect(outcome(await sandbox.completeAction({ ...answered, result: 'fail' }))).toBe('declined:authentication_failed');
    expect(outcome(await sandbox.completeAction({ ...answered, result: 'maybe' }))).toBe('unknown');
    // A card that never asked for a challenge has none to answer.
    expect(outcome(await sandbox.completeAction({ ...request(tokenFor('4242424242424242')), providerReference: 'sandbox_pat_01', result: 'pass' }))).toBe('unknown');
  });

  it('refunds only its own charges, for more than nothing', async () => {
    expect(await sandbox.refund({ providerReference: 'sandbox_pat_01', amount: { amount: 100, currency: 'EUR' }, idempotencyKey: 'r1' })).toMatchObject({ kind: 'succeeded', providerReference: expect.stringMatching(/^sandbox_pat_01_refund_/) });
    expect(await sandbox.refund({ providerReference: 'ch_elsewhere', amount: { amount: 100, currency: 'EUR' }, idempotencyKey: 'r2' })).toMatchObject({ kind: 'failed', code: 'unknown_charge' });
    expect(await sandbox.refund({ providerReference: 'sandbox_pat_01', amount: { amount: 0, currency: 'EUR' }, idempotencyKey: 'r3' })).toMatchObject({ kind: 'failed', code: 'invalid_amount' });
  });
});
