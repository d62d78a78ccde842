import { describe, expect, it } from 'vitest';
import { END_REASONS, MAX_SUSPENSION_DEPTH, nextOrderStatus, ORDER_STATUSES, ORDER_TRANSITIONS, shippingProgress, type EndReason, type OrderAction, type OrderActor, type OrderPosition, type OrderStatus } from './rules.ts';

const at = (status: OrderStatus, ...suspendedFrom: OrderStatus[]): OrderPosition => ({ status, suspendedFrom });

describe('the order transition table', () => {
  // Every legal move: from, action, by whom, to, the statuses kept to return to, end reason.
  const legal: [OrderPosition, OrderAction, OrderActor, OrderStatus, OrderStatus[], EndReason | null][] = [
    [at('PLACE_ORDER_SUCCESS'), 'pay', 'system', 'RISK_CONTROL', [], null],
    [at('PLACE_ORDER_SUCCESS'), 'close_unpaid', 'system', 'FINISH', [], 'pay_timeout'],
    [at('PLACE_ORDER_SUCCESS'), 'fail_payment', 'system', 'FINISH', [], 'payment_failed'],
    [at('RISK_CONTROL'), 'clear_risk', 'system', 'WAIT_SELLER_SEND_GOODS', [], null],
    [at('RISK_CONTROL'), 'clear_risk', 'operator', 'WAIT_SELLER_SEND_GOODS', [], null],
    [at('WAIT_SELLER_SEND_GOODS'), 'ship_part', 'seller', 'SELLER_PART_SEND_GOODS', [], null],
    [at('SELLER_PART_SEND_GOODS'), 'ship_part', 'seller', 'SELLER_PART_SEND_GOODS', [], null],
    [at('WAIT_SELLER_SEND_GOODS'), 'ship_all', 'seller', 'WAIT_BUYER_ACCEPT_GOODS', [], null],
    [at('SELLER_PART_SEND_GOODS'), 'ship_all', 'seller', 'WAIT_BUYER_ACCEPT_GOODS', [], null],
    [at('WAIT_SELLER_SEND_GOODS'), 'request_cancel', 'buyer', 'IN_CANCEL', ['WAIT_SELLER_SEND_GOODS'], null],
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'accept_cancel', 'seller', 'FINISH', [], 'buyer_cancelled'],
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'accept_cancel', 'operator', 'FINISH', [], 'buyer_cancelled'],
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'refuse_cancel', 'seller', 'WAIT_SELLER_SEND_GOODS', [], null],
    [at('WAIT_SELLER_SEND_GOODS'), 'cancel_late', 'buyer', 'FINISH', [], 'cancelled_late_shipment'],
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'cancel_late', 'buyer', 'FINISH', [], 'cancelled_late_shipment'],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'confirm_receipt', 'buyer', 'FUND_PROCESSING', [], null],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'auto_confirm', 'system', 'FUND_PROCESSING', [], null],
    [at('FUND_PROCESSING'), 'settle', 'system', 'FINISH', [], 'completed'],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'open_issue', 'buyer', 'IN_ISSUE', ['WAIT_BUYER_ACCEPT_GOODS'], null],
    [at('FUND_PROCESSING'), 'open_issue', 'operator', 'IN_ISSUE', ['FUND_PROCESSING'], null],
    [at('IN_ISSUE', 'FUND_PROCESSING'), 'close_issue', 'operator', 'FUND_PROCESSING', [], null],
    [at('IN_ISSUE', 'WAIT_BUYER_ACCEPT_GOODS'), 'close_issue', 'system', 'WAIT_BUYER_ACCEPT_GOODS', [], null],
    [at('RISK_CONTROL'), 'freeze', 'operator', 'IN_FROZEN', ['RISK_CONTROL'], null],
    [at('WAIT_SELLER_SEND_GOODS'), 'freeze', 'system', 'IN_FROZEN', ['WAIT_SELLER_SEND_GOODS'], null],
    [at('SELLER_PART_SEND_GOODS'), 'freeze', 'operator', 'IN_FROZEN', ['SELLER_PART_SEND_GOODS'], null],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'freeze', 'operator', 'IN_FROZEN', ['WAIT_BUYER_ACCEPT_GOODS'], null],
    [at('FUND_PROCESSING'), 'freeze', 'operator', 'IN_FROZEN', ['FUND_PROCESSING'], null],
    // A freeze on a suspended order stacks: it returns to the suspension, then to where it was.
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'freeze', 'operator', 'IN_FROZEN', ['WAIT_SELLER_SEND_GOODS', 'IN_CANCEL'], null],
    [at('IN_ISSUE', 'FUND_PROCESSING'), 'freeze', 'operator', 'IN_FROZEN', ['FUND_PROCESSING', 'IN_ISSUE'], null],
    [at('IN_FROZEN', 'WAIT_SELLER_SEND_GOODS'), 'unfreeze', 'operator', 'WAIT_SELLER_SEND_GOODS', [], null],
    [at('IN_FROZEN', 'WAIT_SELLER_SEND_GOODS', 'IN_CANCEL'), 'unfreeze', 'operator', 'IN_CANCEL', ['WAIT_SELLER_SEND_GOODS'], null],
    [at('IN_FROZEN', 'FUND_PROCESSING', 'IN_ISSUE'), 'unfreeze', 'operator', 'IN_ISSUE', ['FUND_PROCESSING'], null],
  ];

  it.each(legal)('%o: %s by %s → %s', (from, action, by, to, suspendedFrom, endReason) => {
    expect(nextOrderStatus(from, action, by)).toEqual({ ok: true, to, suspendedFrom, endReason });
  });

  it('lists every action and every status that can be left at least once above', () => {
    expect(new Set(legal.map(([, action]) => action))).toEqual(new Set(Object.keys(ORDER_TRANSITIONS)));
    expect(new Set(legal.map(([from]) => from.status))).toEqual(new Set(ORDER_STATUSES.filter((s) => s !== 'FINISH')));
  });

  // Illegal moves, each refused with the reason a caller reads in the 409.
  const illegal: [OrderPosition, OrderAction, OrderActor, string][] = [
    [at('PLACE_ORDER_SUCCESS'), 'pay', 'buyer', 'A buyer cannot pay.'],
    [at('RISK_CONTROL'), 'pay', 'system', 'An order in RISK_CONTROL cannot pay.'],
    [at('FINISH'), 'close_unpaid', 'system', 'An order in FINISH cannot close unpaid.'],
    [at('RISK_CONTROL'), 'fail_payment', 'system', 'An order in RISK_CONTROL cannot fail payment.'],
    [at('RISK_CONTROL'), 'clear_risk', 'seller', 'A seller cannot clear risk.'],
    [at('RISK_CONTROL'), 'ship_all', 'seller', 'An order in RISK_CONTROL cannot ship all.'],
    [at('PLACE_ORDER_SUCCESS'), 'ship_part', 'seller', 'An order in PLACE_ORDER_SUCCESS cannot ship part.'],
    [at('WAIT_SELLER_SEND_GOODS'), 'ship_all', 'buyer', 'A buyer cannot ship all.'],
    [at('IN_FROZEN', 'WAIT_SELLER_SEND_GOODS'), 'ship_all', 'seller', 'An order in IN_FROZEN cannot ship all.'],
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'ship_all', 'seller', 'An order in IN_CANCEL cannot ship all.'],
    [at('PLACE_ORDER_SUCCESS'), 'request_cancel', 'buyer', 'An order in PLACE_ORDER_SUCCESS cannot request cancel.'],
    [at('SELLER_PART_SEND_GOODS'), 'request_cancel', 'buyer', 'An order in SELLER_PART_SEND_GOODS cannot request cancel.'],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'request_cancel', 'buyer', 'An order in WAIT_BUYER_ACCEPT_GOODS cannot request cancel.'],
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'request_cancel', 'buyer', 'An order in IN_CANCEL cannot request cancel.'],
    [at('WAIT_SELLER_SEND_GOODS'), 'request_cancel', 'seller', 'A seller cannot request cancel.'],
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'accept_cancel', 'buyer', 'A buyer cannot accept cancel.'],
    [at('WAIT_SELLER_SEND_GOODS'), 'accept_cancel', 'seller', 'An order in WAIT_SELLER_SEND_GOODS cannot accept cancel.'],
    [at('IN_CANCEL', 'WAIT_SELLER_SEND_GOODS'), 'refuse_cancel', 'operator', 'An operator cannot refuse cancel.'],
    [at('IN_FROZEN', 'WAIT_SELLER_SEND_GOODS', 'IN_CANCEL'), 'refuse_cancel', 'seller', 'An order in IN_FROZEN cannot refuse cancel.'],
    [at('IN_FROZEN', 'WAIT_SELLER_SEND_GOODS', 'IN_CANCEL'), 'accept_cancel', 'seller', 'An order in IN_FROZEN cannot accept cancel.'],
    [at('SELLER_PART_SEND_GOODS'), 'cancel_late', 'buyer', 'An order in SELLER_PART_SEND_GOODS cannot cancel late.'],
    [at('WAIT_SELLER_SEND_GOODS'), 'cancel_late', 'seller', 'A seller cannot cancel late.'],
    [at('WAIT_SELLER_SEND_GOODS'), 'confirm_receipt', 'buyer', 'An order in WAIT_SELLER_SEND_GOODS cannot confirm receipt.'],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'confirm_receipt', 'seller', 'A seller cannot confirm receipt.'],
    [at('FUND_PROCESSING'), 'confirm_receipt', 'buyer', 'An order in FUND_PROCESSING cannot confirm receipt.'],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'auto_confirm', 'buyer', 'A buyer cannot auto confirm.'],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'settle', 'system', 'An order in WAIT_BUYER_ACCEPT_GOODS cannot settle.'],
    [at('FUND_PROCESSING'), 'settle', 'operator', 'An operator cannot settle.'],
    [at('WAIT_SELLER_SEND_GOODS'), 'open_issue', 'buyer', 'An order in WAIT_SELLER_SEND_GOODS cannot open issue.'],
    [at('WAIT_BUYER_ACCEPT_GOODS'), 'open_issue', 'seller', 'A seller cannot open issue.'],
    [at('IN_ISSUE', 'FUND_PROCESSING'), 'close_issue', 'buyer', 'A buyer cannot close issue.'],
    [at('PLACE_ORDER_SUCCESS'), 'freeze', 'operator', 'An order in PLACE_ORDER_SUCCESS cannot freeze.'],
    [at('FINISH'), 'freeze', 'operator', 'An order in FINISH cannot freeze.'],
    [at('IN_FROZEN', 'RISK_CONTROL'), 'freeze', 'operator', 'An order in IN_FROZEN cannot freeze.'],
    [at('WAIT_SELLER_SEND_GOODS'), 'freeze', 'seller', 'A seller cannot freeze.'],
    [at('WAIT_SELLER_SEND_GOODS'), 'unfreeze', 'operator', 'An order in WAIT_SELLER_SEND_GOODS cannot unfreeze.'],
    [at('IN_FROZEN', 'RISK_CONTROL'), 'unfreeze', 'system', 'A system cannot unfreeze.'],
    // A suspended order that somehow lost where it came from does not guess.
    [at('IN_FROZEN'), 'unfreeze', 'operator', 'The order has no earlier status to return to.'],
    [at('IN_CANCEL'), 'refuse_cancel', 'seller', 'The order has no earlier status to return to.'],
  ];

  it.each(illegal)('%o: %s by %s is refused', (from, action, by, reason) => {
    expect(nextOrderStatus(from, action, by)).toEqual({ ok: false, reason });
  });

  it('comes back from a freeze on a cancellation request to the request, and from a refusal to where it was', () => {
    let position: OrderPosition = at('WAIT_SELLER_SEND_GOODS');
    const step = (action: OrderAction, by: OrderActor) => {
      const outcome = nextOrderStatus(position, action, by);
      if (!outcome.ok) throw new Error(outcome.reason);
      position = { status: outcome.to, suspendedFrom: outcome.suspendedFrom };
      return position.status;
    };
    expect(step('request_cancel', 'buyer')).toBe('IN_CANCEL');
    expect(step('freeze', 'operator')).toBe('IN_FROZEN');
    expect(step('unfreeze', 'operator')).toBe('IN_CANCEL');
    expect(step('refuse_cancel', 'seller')).toBe('WAIT_SELLER_SEND_GOODS');
    expect(position.suspendedFrom).toEqual([]);
  });

  it('reaches every status from a placed order, every end reason, and never stacks more suspensions than an order keeps', () => {
    const actors: OrderActor[] = ['buyer', 'seller', 'operator', 'system'];
    const seen = new Map<string, OrderPosition>();
    const endReasons = new Set<EndReason>();
    const queue: OrderPosition[] = [at('PLACE_ORDER_SUCCESS')];
    while (queue.length > 0) {
      const position = queue.shift()!;
      const key = [...position.suspendedFrom, position.status].join('>');
      if (seen.has(key)) continue;
      seen.set(key, position);
      for (const action of Object.keys(ORDER_TRANSITIONS) as OrderAction[]) {
        for (const by of actors) {
          const outcome = nextOrderStatus(position, action, by);
          if (!outcome.ok) continue;
          expect(outcome.suspendedFrom.length).toBeLessThanOrEqual(MAX_SUSPENSION_DEPTH);
          // Only FINISH ends an order, and every move to FINISH says why.
          expect(outcome.endReason !== null).toBe(outcome.to === 'FINISH');
          if (outcome.endReason) endReasons.add(outcome.endReason);
          queue.push({ status: outcome.to, suspendedFrom: outcome.suspendedFrom });
        }
      }
    }
    expect(new Set([...seen.values()].map((p) => p.status))).toEqual(new Set(ORDER_STATUSES));
    // Cancelled by an operator has no move yet: it waits for the operator cancellation use case.
    expect(endReasons).toEqual(new Set(END_REASONS.filter((reason) => reason !== 'cancelled_by_operator')));
    // FINISH is the end: nothing leaves it.
    for (const action of Object.keys(ORDER_TRANSITIONS) as OrderAction[]) for (const by of actors) expect(nextOrderStatus(at('FINISH'), action, by).ok).toBe(false);
  });
});

describe('shipping progress', () => {
  it.each([
    [[{ quantity: 2, shippedQuantity: 0 }], 'none'],
    [[{ quantity: 2, shippedQuantity: 1 }], 'part'],
    [[{ quantity: 2, shippedQuantity: 2 }], 'all'],
    [[{ quantity: 2, shippedQuantity: 2 }, { quantity: 1, shippedQuantity: 0 }], 'part'],
    [[{ quantity: 2, shippedQuantity: 2 }, { quantity: 1, shippedQuantity: 1 }], 'all'],
  ] as const)('%j is %s', (lines, progress) => {
    expect(shippingProgress(lines)).toBe(progress);
  });
});
