/**
 * The order lifecycle, with the status names sellers' ERP software already knows from the
 * reference platform. A cancelled or closed order ends in FINISH too; its end reason says how.
 */
export const ORDER_STATUSES = [
  'PLACE_ORDER_SUCCESS',
  'RISK_CONTROL',
  'WAIT_SELLER_SEND_GOODS',
  'SELLER_PART_SEND_GOODS',
  'WAIT_BUYER_ACCEPT_GOODS',
  'FUND_PROCESSING',
  'FINISH',
  'IN_CANCEL',
  'IN_ISSUE',
  'IN_FROZEN',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

export const END_REASONS = ['completed', 'pay_timeout', 'payment_failed', 'buyer_cancelled', 'cancelled_late_shipment', 'cancelled_by_operator'] as const;
export type EndReason = (typeof END_REASONS)[number];

export type OrderActor = 'buyer' | 'seller' | 'operator' | 'system';

export type OrderAction =
  | 'pay'
  | 'close_unpaid'
  | 'fail_payment'
  | 'clear_risk'
  | 'ship_part'
  | 'ship_all'
  | 'request_cancel'
  | 'accept_cancel'
  | 'refuse_cancel'
  | 'cancel_late'
  | 'confirm_receipt'
  | 'auto_confirm'
  | 'settle'
  | 'open_issue'
  | 'close_issue'
  | 'freeze'
  | 'unfreeze';

export interface OrderTransition {
  from: readonly OrderStatus[];
  /** `resume`: back to the status the order had before it was suspended (cancellation asked, issue, frozen). */
  to: OrderStatus | 'resume';
  by: readonly OrderActor[];
  /** Set when the move ends the order. */
  endReason?: EndReason;
}

/** The only moves an order can make; anything else is a 409 `illegal_transition`. */
export const ORDER_TRANSITIONS: Record<OrderAction, OrderTransition> = {
  pay: { from: ['PLACE_ORDER_SUCCESS'], to: 'RISK_CONTROL', by: ['system'] },
  close_unpaid: { from: ['PLACE_ORDER_SUCCESS'], to: 'FINISH', by: ['system'], endReason: 'pay_timeout' },
  fail_payment: { from: ['PLACE_ORDER_SUCCESS'], to: 'FINISH', by: ['system'], endReason: 'payment_failed' },
  clear_risk: { from: ['RISK_CONTROL'], to: 'WAIT_SELLER_SEND_GOODS', by: ['system', 'operator'] },
  ship_part: { from: ['WAIT_SELLER_SEND_GOODS', 'SELLER_PART_SEND_GOODS'], to: 'SELLER_PART_SEND_GOODS', by: ['seller'] },
  ship_all: { from: ['WAIT_SELLER_SEND_GOODS', 'SELLER_PART_SEND_GOODS'], to: 'WAIT_BUYER_ACCEPT_GOODS', by: ['seller'] },
  request_cancel: { from: ['WAIT_SELLER_SEND_GOODS'], to: 'IN_CANCEL', by: ['buyer'] },
  accept_cancel: { from: ['IN_CANCEL'], to: 'FINISH', by: ['seller', 'operator'], endReason: 'buyer_cancelled' },
  refuse_cancel: { from: ['IN_CANCEL'], to: 'resume', by: ['seller'] },
  cancel_late: { from: ['WAIT_SELLER_SEND_GOODS', 'IN_CANCEL'], to: 'FINISH', by: ['buyer'], endReason: 'cancelled_late_shipment' },
  confirm_receipt: { from: ['WAIT_BUYER_ACCEPT_GOODS'], to: 'FUND_PROCESSING', by: ['buyer'] },
  auto_confirm: { from: ['WAIT_BUYER_ACCEPT_GOODS'], to: 'FUND_PROCESSING', by: ['system'] },
  settle: { from: ['FUND_PROCESSING'], to: 'FINISH', by: ['system'], endReason: 'completed' },
  open_issue: { from: ['WAIT_BUYER_ACCEPT_GOODS', 'FUND_PROCESSING'], to: 'IN_ISSUE', by: ['buyer', 'operator'] },
  close_issue: { from: ['IN_ISSUE'], to: 'resume', by: ['operator', 'system'] },
  freeze: { from: ['RISK_CONTROL', 'WAIT_SELLER_SEND_GOODS', 'SELLER_PART_SEND_GOODS', 'WAIT_BUYER_ACCEPT_GOODS', 'FUND_PROCESSING', 'IN_CANCEL', 'IN_ISSUE'], to: 'IN_FROZEN', by: ['operator', 'system'] },
  unfreeze: { from: ['IN_FROZEN'], to: 'resume', by: ['operator'] },
};

/** Statuses an order leaves for a while and comes back from: the status before is kept. */
const SUSPENDING: ReadonlySet<OrderStatus> = new Set(['IN_CANCEL', 'IN_ISSUE', 'IN_FROZEN']);

/**
 * Where an order stands: its status, and the statuses it returns to when its suspensions end,
 * the next one last. An order frozen while the buyer's cancellation request waits returns to
 * IN_CANCEL, and from there, if the seller refuses, to where it was before the request.
 */
export interface OrderPosition {
  status: OrderStatus;
  suspendedFrom: readonly OrderStatus[];
}

export type TransitionOutcome = { ok: true; to: OrderStatus; endReason: EndReason | null; suspendedFrom: OrderStatus[] } | { ok: false; reason: string };

/** The table stacks at most two suspensions (a freeze on a cancellation request or an issue); an order keeps that many. */
export const MAX_SUSPENSION_DEPTH = 2;

/** Where an action takes an order, or why it cannot. */
export function nextOrderStatus(current: OrderPosition, action: OrderAction, by: OrderActor): TransitionOutcome {
  const rule = ORDER_TRANSITIONS[action];
  if (!rule.by.includes(by)) return { ok: false, reason: `${by === 'operator' ? 'An' : 'A'} ${by} cannot ${action.replaceAll('_', ' ')}.` };
  if (!rule.from.includes(current.status)) return { ok: false, reason: `An order in ${current.status} cannot ${action.replaceAll('_', ' ')}.` };
  if (rule.to === 'resume') {
    const back = current.suspendedFrom.at(-1);
    if (!back) return { ok: false, reason: 'The order has no earlier status to return to.' };
    return { ok: true, to: back, endReason: null, suspendedFrom: current.suspendedFrom.slice(0, -1) };
  }
  const suspendedFrom = SUSPENDING.has(rule.to) ? [...current.suspendedFrom, current.status] : [];
  return { ok: true, to: rule.to, endReason: rule.endReason ?? null, suspendedFrom };
}

/** Timings of the lifecycle, as data. */
export const ORDER_TIMINGS = {
  /** How long a buyer has to pay before the orders close and their stock goes back. */
  paymentWindowMinutes: 60,
  /** The risk check's hold after payment, before the seller is asked to ship. */
  riskHoldMinutes: 10,
  /** After the last parcel is delivered, the buyer has this long to confirm or open an issue. */
  confirmWindowDays: 7,
  /** If delivery is never scanned, receipt is confirmed this long after the last parcel left. */
  undeliveredConfirmDays: 60,
} as const;

export type OrderDeadline = 'riskRelease' | 'shipDue' | 'confirmDue';

/**
 * The deadlines that run while an order is in each status. A freeze stops them: lifting it moves
 * them on by as long as it lasted, so neither the seller's handling time nor the buyer's
 * confirmation window is spent on the platform's review.
 */
export const RUNNING_DEADLINES: Partial<Record<OrderStatus, readonly OrderDeadline[]>> = {
  RISK_CONTROL: ['riskRelease', 'shipDue'],
  WAIT_SELLER_SEND_GOODS: ['shipDue'],
  SELLER_PART_SEND_GOODS: ['shipDue'],
  WAIT_BUYER_ACCEPT_GOODS: ['confirmDue'],
};

/** Hours a seller has from payment to hand-over: the freight template's handling days, 72 hours for new sellers. */
export function handlingHours(handlingDays: number): number {
  return handlingDays * 24;
}

/** Which of an order's lines are shipped, and whether that is all of them. */
export function shippingProgress(lines: readonly { quantity: number; shippedQuantity: number }[]): 'none' | 'part' | 'all' {
  const shipped = lines.reduce((sum, line) => sum + line.shippedQuantity, 0);
  if (shipped === 0) return 'none';
  return lines.every((line) => line.shippedQuantity >= line.quantity) ? 'all' : 'part';
}
