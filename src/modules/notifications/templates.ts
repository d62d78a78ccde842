/**
 * What an applicant is told about their application, in Chinese (most sellers) and English.
 * Placeholders in braces come from the event payload.
 */
export interface Template {
  title: string;
  body: string;
}

export const ONBOARDING_TEMPLATES: Record<string, Record<'zh' | 'en', Template>> = {
  'seller.application.submitted': {
    zh: { title: '入驻申请已提交', body: '我们已收到您的入驻申请，将在 {reviewDueAt} 前完成审核。' },
    en: { title: 'Application submitted', body: 'We received your seller application and will review it by {reviewDueAt}.' },
  },
  'seller.application.resubmitted': {
    zh: { title: '入驻申请已重新提交', body: '我们已收到您补充的信息，将在 {reviewDueAt} 前完成审核。' },
    en: { title: 'Application resubmitted', body: 'We received the information you added and will review it by {reviewDueAt}.' },
  },
  'seller.application.review_started': {
    zh: { title: '入驻申请审核中', body: '审核人员已开始审核您的入驻申请。' },
    en: { title: 'Application under review', body: 'A reviewer has started reviewing your seller application.' },
  },
  'seller.application.info_requested': {
    zh: { title: '入驻申请需要补充信息', body: '审核人员需要您补充信息：{reason}。请修改后重新提交。' },
    en: { title: 'More information needed', body: 'The reviewer needs more information: {reason}. Update your application and resubmit it.' },
  },
  'seller.application.approved': {
    zh: { title: '入驻申请已通过', body: '恭喜！您的店铺已开通，现在可以发布商品。' },
    en: { title: 'Application approved', body: 'Congratulations! Your store is open and you can now list products.' },
  },
  'seller.application.rejected': {
    zh: { title: '入驻申请未通过', body: '您的入驻申请未通过：{reason}' },
    en: { title: 'Application not approved', body: 'Your seller application was not approved: {reason}' },
  },
};

/** What operators are told: the team that reviews sellers works in English and Chinese alike. */
export const OPERATOR_TEMPLATES: Record<string, { roles: readonly ('reviewer' | 'admin')[]; messages: Record<'zh' | 'en', Template> }> = {
  'seller.application.review_overdue': {
    roles: ['reviewer', 'admin'],
    messages: {
      zh: { title: '入驻审核已超时', body: '入驻申请 {applicationId} 已超过审核截止时间 {reviewDueAt}，请尽快处理。' },
      en: { title: 'Seller review overdue', body: 'Seller application {applicationId} passed its review deadline ({reviewDueAt}). Please review it now.' },
    },
  },
};

export function render(template: Template, values: Record<string, unknown>): Template {
  const fill = (text: string) => text.replace(/\{(\w+)\}/g, (whole, key: string) => (values[key] === undefined || values[key] === null ? whole : String(values[key])));
  return { title: fill(template.title), body: fill(template.body) };
}

export function pickLocale(locale: string): 'zh' | 'en' {
  return locale.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}
