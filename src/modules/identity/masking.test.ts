import { describe, expect, it } from 'vitest';
import { maskAccountNumber, maskEmail, maskIdNumber, maskPersonName, maskPhone } from './masking.ts';

describe('masking', () => {
  it.each([
    ['张伟', '张*'],
    ['欧阳娜娜', '欧***'],
    ['Wei Zhang', 'W** Z****'],
    ['Li', 'L*'],
  ])('name %s → %s', (input, masked) => expect(maskPersonName(input)).toBe(masked));

  it('keeps the country code, carrier prefix and last four of a phone', () => {
    expect(maskPhone('+8613800138000')).toBe('+86138****8000');
    expect(maskPhone('+86 139-1234-5678')).toBe('+86139****5678');
  });

  it('keeps the first letter and the domain of an e-mail', () => {
    expect(maskEmail('li.wei@example.com')).toBe('l*****@example.com');
  });

  it('keeps the region code and last four of a resident ID', () => {
    expect(maskIdNumber('11010519491231002X')).toBe('110105********002X');
  });

  it('keeps the last four digits of an account number', () => {
    expect(maskAccountNumber('6222 0212 3456 7890 123')).toBe('***************0123');
  });
});
