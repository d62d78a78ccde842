import { maskAccountNumber, maskEmail, maskIdNumber, maskPersonName, maskPhone, revealsPersonalData, type PersonalDataClass, type Principal } from '../identity/index.ts';
import type { ApplicantKind, ApplicationForm } from './rules.ts';

type Masker = (value: string) => string;

/**
 * Where personal data sits in an application form, its class, and how it is masked. The one list
 * behind masking, data-subject export and erasure.
 */
export const PERSONAL_FIELDS: { path: readonly [string, string]; dataClass: PersonalDataClass; mask: Masker; individualOnly?: boolean }[] = [
  { path: ['representative', 'name'], dataClass: 'contact', mask: maskPersonName },
  { path: ['representative', 'name_latin'], dataClass: 'contact', mask: maskPersonName },
  { path: ['representative', 'mobile'], dataClass: 'contact', mask: maskPhone },
  { path: ['payment_account', 'bound_mobile'], dataClass: 'contact', mask: maskPhone },
  { path: ['representative', 'id_number'], dataClass: 'identity', mask: maskIdNumber },
  { path: ['bank_account', 'account_number'], dataClass: 'identity', mask: maskAccountNumber },
  { path: ['payment_account', 'account_id'], dataClass: 'identity', mask: (v) => (v.includes('@') ? maskEmail(v) : maskAccountNumber(v)) },
  // An individual business trades under, and banks in, its operator's name more often than not.
  { path: ['entity', 'name'], dataClass: 'contact', mask: maskPersonName, individualOnly: true },
  { path: ['bank_account', 'holder_name'], dataClass: 'contact', mask: maskPersonName, individualOnly: true },
];

export function maskForm(principal: Principal, form: ApplicationForm, kind: ApplicantKind): ApplicationForm {
  const masked = structuredClone(form) as Record<string, Record<string, unknown> | undefined>;
  for (const field of PERSONAL_FIELDS) {
    if (field.individualOnly && kind !== 'individual') continue;
    const [section, key] = field.path;
    const value = masked[section]?.[key];
    if (typeof value === 'string' && !revealsPersonalData(principal, field.dataClass)) masked[section]![key] = field.mask(value);
  }
  return masked as ApplicationForm;
}

/** The name shown in lists: an individual business's name is masked as a person's would be. */
export function presentEntityName(principal: Principal, kind: ApplicantKind, name: string | null): string | null {
  if (name === null || kind !== 'individual' || revealsPersonalData(principal, 'contact')) return name;
  return maskPersonName(name);
}
