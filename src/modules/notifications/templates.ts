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

/** What a seller's order desk is told: sent to the members who handle orders. */
export const ORDER_TEMPLATES: Record<string, Record<'zh' | 'en', Template>> = {
  'orders.order.shipment_late': {
    zh: { title: '订单发货超时', body: '订单 {orderId} 未在 {handlingHours} 小时的备货期内发货（截止 {shipDueAt}）。买家现在可以直接取消订单；店铺首单超时将扣除店铺分。请立即发货。' },
    en: { title: 'Order shipped late', body: 'Order {orderId} was not handed to the carrier within its {handlingHours}-hour handling time (due {shipDueAt}). The buyer may now cancel it at once, and a store’s first late order costs store score. Ship it now.' },
  },
  'orders.order.cancellation_requested': {
    zh: { title: '买家申请取消订单', body: '买家申请取消订单 {orderId}：{reason}。请接受或拒绝。' },
    en: { title: 'The buyer asks to cancel', body: 'The buyer asks to cancel order {orderId}: {reason}. Accept or refuse the request.' },
  },
  'sellers.store_score.changed': {
    zh: { title: '店铺分变动', body: '您的店铺分变为 {score}（{delta}），原因：{rule}，关联 {reference}。' },
    en: { title: 'Store score changed', body: 'Your store score is now {score} ({delta}) because of {rule}, for {reference}.' },
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
