/**
 * The unified tracking status: one canonical main status plus a sub-status for every carrier
 * event, whatever carrier reported it, with the carrier's raw code, text, location and time kept
 * beside it (reference/logistics.md, "Unified tracking status").
 *
 * Mapping an event, first rule that answers wins:
 *   1. the carrier's own event code, exactly (or its family: "8.2" falls back to "8", "BDE-01"
 *      to "BDE"), from the registry's status map;
 *   2. the carrier's own keywords, found in the event text;
 *   3. the shared multilingual keywords below (English, Chinese, Russian, Spanish, French,
 *      Portuguese, Arabic, Korean, Japanese, German, Italian, Polish, Dutch, Turkish);
 *   4. the carrier's coarse codes — codes too broad to trust over the text (UPS reports "I" both
 *      for a departure scan and for "Out For Delivery Today"), used only when no keyword answers;
 *   5. nothing: the event is kept as activity ("none"), shown, and counted as movement.
 * Among keywords the longest match wins, so "not delivered" beats "delivered" and "customs
 * clearance completed" beats "customs". Keywords in alphabetic scripts match whole words
 * ("delivered" is not found in "undelivered", "livré" not in "livreur"), unless written with a
 * trailing "*" as a stem ("тамож*" finds таможня, таможенный, таможне); Chinese, Japanese and
 * Korean keywords match anywhere, as those languages do not separate words. Text and keywords are
 * folded the same way first (case, accents, Arabic letter variants, punctuation).
 *
 * A shipment's events arrive out of order and more than once (aggregators retry for days), so
 * everything here orders by the carrier's event time, never by arrival, and drops duplicates by
 * the carrier's event id or by the same time, code and location. Stages follow the events with a
 * few rules buyers rely on: a delivered parcel stays delivered unless a return follows; a parcel
 * on its way back stays returning, and "delivered" on that leg means delivered back to the
 * sender; a pre-shipment event never takes a moving parcel back to "label created". Buyers are
 * notified once per stage, on the stage's first event, and never about a stage the parcel has
 * already left behind.
 */

/* ------------------------------------------------------------------------------------------------
 * The canonical statuses
 * --------------------------------------------------------------------------------------------- */

export const MAIN_STATUSES = [
  'pending',
  'info_received',
  'in_transit',
  'customs',
  'out_for_delivery',
  'available_for_pickup',
  'delivery_failed',
  'delivered',
  'exception',
  'returning',
  'returned',
  'expired',
] as const;

export type MainStatus = (typeof MAIN_STATUSES)[number];

/** Sub-statuses per main status; the first of each list is the one used when nothing more is known. */
export const SUB_STATUSES = {
  pending: ['not_found'],
  info_received: ['label_created', 'pickup_scheduled'],
  in_transit: ['in_transit', 'picked_up', 'accepted', 'arrived_at_facility', 'departed_facility', 'export', 'import', 'handed_over', 'delayed'],
  customs: ['processing', 'held', 'needs_info', 'awaiting_payment', 'released'],
  out_for_delivery: ['out_for_delivery', 'rescheduled'],
  available_for_pickup: ['at_pickup_point', 'at_locker', 'at_post_office'],
  delivery_failed: ['attempt_failed', 'recipient_unavailable', 'address_issue', 'refused', 'business_closed'],
  delivered: ['delivered', 'signed', 'left_at_door', 'picked_up_by_recipient', 'partial'],
  exception: ['exception', 'damaged', 'lost', 'destroyed', 'cancelled', 'on_hold'],
  returning: ['returning'],
  returned: ['returned'],
  expired: ['no_update'],
} as const satisfies Record<MainStatus, readonly string[]>;

export type SubStatus<S extends MainStatus = MainStatus> = (typeof SUB_STATUSES)[S][number];

export interface StatusMapping {
  status: MainStatus;
  subStatus: string;
}

/** Statuses after which nothing but a return changes the outcome. */
export const TERMINAL_STATUSES: readonly MainStatus[] = ['delivered', 'returned'];

const ENGLISH_LABELS: Record<MainStatus, string> = {
  pending: 'Waiting for the carrier’s first update',
  info_received: 'Shipping label created',
  in_transit: 'In transit',
  customs: 'In customs',
  out_for_delivery: 'Out for delivery',
  available_for_pickup: 'Ready for pickup',
  delivery_failed: 'Delivery attempt failed',
  delivered: 'Delivered',
  exception: 'Problem with the shipment',
  returning: 'Returning to the sender',
  returned: 'Returned to the sender',
  expired: 'No news from the carrier for too long',
};

const ENGLISH_SUB_LABELS: Record<string, string> = {
  'info_received/pickup_scheduled': 'Waiting for the carrier to collect it',
  'in_transit/picked_up': 'Picked up by the carrier',
  'in_transit/accepted': 'Handed to the carrier',
  'in_transit/arrived_at_facility': 'Arrived at a carrier facility',
  'in_transit/departed_facility': 'Left a carrier facility',
  'in_transit/export': 'Left the country of origin',
  'in_transit/import': 'Arrived in the destination country',
  'in_transit/handed_over': 'Handed to the delivery company',
  'in_transit/delayed': 'In transit, delayed',
  'customs/held': 'Held by customs',
  'customs/needs_info': 'Customs needs more information',
  'customs/awaiting_payment': 'Duties or taxes to pay',
  'customs/released': 'Released by customs',
  'out_for_delivery/rescheduled': 'Delivery rescheduled',
  'available_for_pickup/at_locker': 'Ready for pickup at a parcel locker',
  'available_for_pickup/at_post_office': 'Ready for pickup at the post office',
  'delivery_failed/recipient_unavailable': 'Delivery failed: nobody was available',
  'delivery_failed/address_issue': 'Delivery failed: address problem',
  'delivery_failed/refused': 'Delivery refused',
  'delivery_failed/business_closed': 'Delivery failed: premises closed',
  'delivered/signed': 'Delivered and signed for',
  'delivered/left_at_door': 'Delivered, left at the address',
  'delivered/picked_up_by_recipient': 'Collected by the recipient',
  'delivered/partial': 'Partly delivered',
  'exception/damaged': 'Damaged',
  'exception/lost': 'Lost',
  'exception/destroyed': 'Destroyed',
  'exception/cancelled': 'Shipment cancelled',
  'exception/on_hold': 'On hold',
};

/** An English description for operators and as the fallback text of buyer pages. */
export function describeStatus(status: MainStatus, subStatus?: string): string {
  return (subStatus && ENGLISH_SUB_LABELS[`${status}/${subStatus}`]) || ENGLISH_LABELS[status];
}

export function isMainStatus(value: unknown): value is MainStatus {
  return typeof value === 'string' && (MAIN_STATUSES as readonly string[]).includes(value);
}

export function defaultSubStatus(status: MainStatus): string {
  return SUB_STATUSES[status][0];
}

/**
 * Reads "customs/held" or "customs" (the default sub-status) as the registry writes mappings.
 * Returns a problem sentence instead of throwing so the registry loader can say where it is.
 */
export function parseStatusMapping(value: string): StatusMapping | string {
  const [status, subStatus, extra] = value.split('/');
  if (extra !== undefined) return `${JSON.stringify(value)} has more than one "/"`;
  if (!isMainStatus(status)) return `${JSON.stringify(status)} is not a canonical status (${MAIN_STATUSES.join(', ')})`;
  if (status === 'expired' || status === 'pending') return `${status} is decided from the clock, not mapped from a carrier event`;
  if (subStatus === undefined) return { status, subStatus: defaultSubStatus(status) };
  if (!(SUB_STATUSES[status] as readonly string[]).includes(subStatus)) {
    return `${JSON.stringify(subStatus)} is not a sub-status of ${status} (${SUB_STATUSES[status].join(', ')})`;
  }
  return { status, subStatus };
}

/** Order of statuses along a normal journey; breaks ties between events stamped with the same time. */
const PROGRESSION: Record<MainStatus, number> = {
  pending: 0,
  info_received: 1,
  in_transit: 2,
  customs: 3,
  out_for_delivery: 4,
  delivery_failed: 5,
  exception: 5,
  available_for_pickup: 6,
  delivered: 7,
  returning: 8,
  returned: 9,
  expired: 10,
};

function progression(mapping: StatusMapping): number {
  const subs = SUB_STATUSES[mapping.status] as readonly string[];
  return PROGRESSION[mapping.status] * 100 + Math.max(0, subs.indexOf(mapping.subStatus));
}

/* ------------------------------------------------------------------------------------------------
 * Folding and keywords
 * --------------------------------------------------------------------------------------------- */

const ARABIC_FOLDS: ReadonlyMap<string, string> = new Map([
  ['أ', 'ا'], ['إ', 'ا'], ['آ', 'ا'], ['ٱ', 'ا'], ['ة', 'ه'], ['ى', 'ي'], ['ی', 'ي'], ['ک', 'ك'],
]);
/** Combining marks go, except the kana voicing marks, which make a different syllable. */
const MARKS = /(?![\u3099\u309A])\p{M}/gu;

/**
 * Folds text for keyword matching: compatibility forms undone, lower case, accents and harakat
 * removed, Arabic letter variants unified, tatweel dropped, and every run of characters that are
 * not letters or digits turned into one space.
 */
export function foldText(text: string): string {
  const stripped = text.normalize('NFKD').toLowerCase().replace(MARKS, '').normalize('NFC').replace(/\u0640/g, '');
  let out = '';
  for (const char of stripped) out += ARABIC_FOLDS.get(char) ?? char;
  return out.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

/** Scripts written without spaces between words: their keywords match anywhere in the text. */
const UNSPACED = /^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}\p{Script=Thai}]/u;

export interface KeywordRule {
  /** The keyword as written in the registry or below. */
  keyword: string;
  folded: string;
  /** Matches inside words (Chinese, Japanese, Korean). */
  anywhere: boolean;
  /** Written with a trailing "*": may end inside a word. */
  stem: boolean;
  mapping: StatusMapping;
}

/** The status map of one carrier, compiled from the registry (see carriers.ts). */
export interface CarrierStatusMap {
  /** Event codes, upper case, trusted over the text. */
  codes: ReadonlyMap<string, StatusMapping>;
  /** Event codes used only when no keyword matches the text. */
  coarseCodes: ReadonlyMap<string, StatusMapping>;
  keywords: readonly KeywordRule[];
}

export function compileKeyword(keyword: string, mapping: StatusMapping): KeywordRule | string {
  const stem = keyword.trimEnd().endsWith('*');
  const folded = foldText(stem ? keyword.trimEnd().slice(0, -1) : keyword);
  if (folded === '') return `${JSON.stringify(keyword)} has no letters or digits`;
  return { keyword, folded, anywhere: UNSPACED.test(folded), stem, mapping };
}

/** Normalises an event code for lookup: carriers differ in case and padding, never in meaning. */
export function normalizeEventCode(code: string): string {
  return code.trim().toUpperCase();
}

function findKeyword(rules: readonly KeywordRule[], folded: string): KeywordRule | undefined {
  let best: KeywordRule | undefined;
  for (const rule of rules) {
    if (best && rule.folded.length <= best.folded.length) continue;
    let at = folded.indexOf(rule.folded);
    while (at >= 0) {
      const end = at + rule.folded.length;
      const startsWord = at === 0 || folded[at - 1] === ' ';
      const endsWord = end === folded.length || folded[end] === ' ';
      if (rule.anywhere || (startsWord && (rule.stem || endsWord))) {
        best = rule;
        break;
      }
      at = folded.indexOf(rule.folded, at + 1);
    }
  }
  return best;
}

type KeywordGroup = readonly [mapping: string, keywords: readonly string[]];

/**
 * Shared keywords for the texts carriers commonly send, by canonical status. Export customs
 * counts as leaving the origin country (in_transit/export): the customs stage buyers wait on is
 * import clearance. "Returned to sender" starts a return (returning); the return ends when the
 * parcel is delivered back (returned).
 */
const SHARED_KEYWORDS: readonly KeywordGroup[] = [
  ['delivered', [
    'delivered', 'delivery completed', 'successfully delivered', 'proof of delivery',
    'entregado', 'entregada', 'entregue', 'objeto entregue ao destinatario', 'livré', 'livrée', 'colis livré', 'distribué', 'distribuée',
    'zugestellt', 'consegnato', 'consegnata', 'doręczono', 'doręczona', 'bezorgd', 'teslim edildi',
    'вручено', 'вручение', 'вручение адресату', 'получено адресатом', 'доставлено', 'выдано получателю',
    'تم التسليم', 'تم تسليم', 'تم التوصيل',
    '已签收', '签收', '妥投', '已妥投', '已送达', '送达', '代签收',
    '配達完了', 'お届け済み', '배송완료', '배송 완료', '배달완료', '배달 완료',
  ]],
  ['delivered/signed', ['signed for', 'signed by']],
  ['delivered/left_at_door', ['left at front door', 'left at door', 'left in mailbox', 'left in letterbox', 'left with neighbour', 'left with neighbor', 'left in safe place', 'delivered to safe place']],
  ['delivered/picked_up_by_recipient', [
    'picked up by recipient', 'collected by recipient', 'picked up by customer', 'collected by customer', 'picked up at post office', 'picked up at the post office',
    'recogido por el destinatario', 'retirado pelo destinatario', 'odebrana', 'odebrano', 'получено в пункте выдачи',
  ]],
  ['delivered/partial', ['partially delivered', 'partial delivery']],

  ['delivery_failed', [
    'not delivered', 'delivery attempt', 'delivery attempted', 'attempted delivery', 'delivery failed', 'failed delivery', 'failed to deliver',
    'unable to deliver', 'could not be delivered', 'undeliverable', 'undelivered', 'missed delivery', 'notice left', 'left notice', 'delivery exception',
    'no entregado', 'intento de entrega', 'não entregue', 'tentativa de entrega', 'non livré', 'tentative de livraison', 'non distribuable',
    'nicht zugestellt', 'zustellversuch', 'konnte nicht zugestellt', 'mancata consegna', 'tentativo di consegna', 'niet bezorgd',
    'не вручено', 'неудачная попытка вручения', 'попытка вручения', 'не доставлено',
    'فشل التوصيل', 'محاولة توصيل', 'لم يتم التسليم', 'تعذر التسليم', 'تعذر التوصيل',
    '投递失败', '未妥投', '派送失败', '派件失败', '未能投递', '无法投递', '未签收', '持ち戻り', '미배달', '배달실패', '배송실패',
  ]],
  ['delivery_failed/recipient_unavailable', [
    'recipient not available', 'recipient unavailable', 'receiver not available', 'addressee not available', 'customer not available',
    'nobody home', 'no one home', 'not at home', 'no authorized recipient', 'ausente', 'destinatário ausente', 'destinatario assente',
    'absent', 'avis de passage', 'nicht angetroffen', 'niet thuis', 'адресат отсутствует', '不在', 'ご不在', '수취인부재', '수취인 부재',
  ]],
  ['delivery_failed/address_issue', [
    'incorrect address', 'wrong address', 'insufficient address', 'incomplete address', 'address unknown', 'addressee unknown', 'bad address',
    'no such number', 'no such street', 'moved left no address', 'dirección incorrecta', 'endereço incorreto', 'endereço insuficiente',
    'adresse incorrecte', 'adresse incomplète', 'неверный адрес', 'عنوان خاطئ', '地址错误', '地址不详', '주소불명',
  ]],
  ['delivery_failed/refused', ['refused', 'recipient refused', 'rejected by recipient', 'rehusado', 'recusado', 'refusé', 'verweigert', 'отказ от получения', 'رفض الاستلام', '拒收', '拒签', '수취거절']],
  ['delivery_failed/business_closed', ['business closed', 'closed on arrival', 'premises closed']],

  ['out_for_delivery', [
    'out for delivery', 'with delivery courier', 'on vehicle for delivery', 'loaded on delivery vehicle', 'courier is on the way', 'driver is on the way',
    'en reparto', 'salida a reparto', 'en proceso de entrega', 'saiu para entrega', 'em rota de entrega', 'en cours de livraison', 'en livraison', 'mis en distribution',
    'in zustellung', 'wird heute zugestellt', 'zustellfahrzeug', 'in consegna', 'wydana do doręczenia', 'w doręczeniu', 'przekazano do doręczenia',
    'wordt bezorgd', 'bezorger is onderweg', 'dağıtımda', 'dağıtıma çıkarıldı',
    'выдано на доставку', 'передано курьеру', 'передано в доставку', 'у курьера',
    'خرجت للتوصيل', 'خارج للتوصيل', 'قيد التوصيل', 'جاري التوصيل', 'مع المندوب',
    '派送中', '正在派送', '派件中', '投递中', '安排投递', '开始派送', '配達中', '持出中', '배송출발', '배달출발', '배달준비', '배달중',
  ]],
  ['out_for_delivery/rescheduled', ['delivery rescheduled', 'rescheduled', 'livraison reportée', 'entrega reprogramada']],

  ['available_for_pickup', [
    'available for pickup', 'available for collection', 'ready for pickup', 'ready for collection', 'awaiting collection', 'arrived at pickup point',
    'pickup point', 'pick up point', 'access point', 'parcel shop', 'parcelshop', 'hold at location', 'held at location',
    'disponible para recoger', 'listo para recoger', 'punto de recogida', 'aguardando retirada', 'disponível para retirada',
    'disponible en point retrait', 'point retrait', 'en attente de retrait', 'zur abholung bereit', 'abholbereit', 'ligt klaar', 'afhaalpunt',
    'gotowa do odbioru', 'awizo*', 'пункт выдачи', 'готово к выдаче', 'готов к выдаче', 'ожидает адресата',
    'جاهزة للاستلام', 'جاهز للاستلام', 'بانتظار الاستلام',
    '待取件', '待自提', '自提点', '代收点', '驿站', '待领取', '可领取',
  ]],
  ['available_for_pickup/at_locker', ['parcel locker', 'locker*', 'parcel terminal', 'pickup station', 'packstation', 'paczkoma*', 'consigne', 'постамат', '快递柜', '自提柜', '丰巢']],
  ['available_for_pickup/at_post_office', [
    'available at post office', 'held at post office', 'delivered to post office', 'disponible en oficina', 'disponible dans votre bureau de poste',
    'in giacenza', 'в месте вручения', 'прибыло в место вручения', '保管中',
  ]],

  ['customs', [
    'customs', 'customs clearance', 'import clearance', 'clearance in progress', 'handed over to customs', 'presented to customs', 'customs inspection',
    'aduana', 'alfândega', 'aduaneira', 'fiscalização aduaneira', 'receita federal', 'douane', 'dédouanement', 'zoll*', 'dogana', 'odprawa celna', 'urząd celny', 'gümrük',
    'тамож*', 'الجمارك', 'جمرك*', '海关', '清关', '清关中', '进口清关', '通関', '통관', '세관',
  ]],
  ['customs/held', [
    'held by customs', 'held in customs', 'held at customs', 'customs hold', 'detained by customs', 'customs delay', 'clearance delay', 'customs detention', 'retained by customs',
    'retenido en aduana', 'retido na alfândega', 'retenu en douane', 'retenu par la douane', 'задержано таможней', 'محجوز في الجمارك',
    '海关扣留', '扣关', '海关查验', '清关异常', '清关延误',
  ]],
  ['customs/needs_info', [
    'documents required', 'missing documents', 'additional information required', 'awaiting documents', 'information required for clearance', 'customs requires',
    'documentación requerida', 'falta documentación', 'documentos necessários', 'documents manquants', 'запрос документов', '补充资料', '清关资料',
  ]],
  ['customs/awaiting_payment', [
    'awaiting payment', 'duty payment', 'import duty', 'import taxes', 'taxes due', 'payment of duties', 'customs charges', 'held for payment',
    'pago de aranceles', 'aguardando pagamento', 'droits et taxes', 'пошлин*', 'оплата пошлины', '待缴税', '缴税', '关税',
  ]],
  ['customs/released', [
    'released by customs', 'released from customs', 'cleared customs', 'customs cleared', 'clearance complete', 'clearance completed', 'customs clearance completed',
    'clearance processing complete', 'clearance success', 'returned from customs',
    'liberado por aduana', 'liberado de aduana', 'fiscalização aduaneira finalizada', 'liberado pela alfândega', 'dédouané', 'dédouanement terminé', 'sortie de douane',
    'verzollt', 'zollabfertigung abgeschlossen', 'sdoganat*', 'выпущено таможней', 'таможенное оформление завершено',
    'تم الافراج', 'الافراج الجمركي', '清关完成', '清关成功', '海关放行', '已放行', '放行', '清关结束', '通関許可', '통관완료', '통관 완료',
  ]],

  ['returning', [
    'return to sender', 'returned to sender', 'returning to sender', 'being returned', 'return initiated', 'return to shipper', 'returned to shipper', 'return to origin', 'returned',
    'devuelto', 'en devolución', 'devolución', 'devolvido', 'devolução', 'retour à l expéditeur', 'retourné', 'en retour', 'rücksendung', 'zurück an absender',
    'reso al mittente', 'in restituzione', 'zwrot', 'retour afzender', 'retour naar afzender', 'iade',
    'возврат*', 'возвращено', 'مرتجع', 'ارجاع', 'اعاده الي المرسل', '退回', '退件', '退运', '返送', '반송',
  ]],
  ['returned', [
    'delivered to sender', 'delivered to shipper', 'delivered back to sender', 'return delivered', 'return completed', 'return received', 'received by sender',
    'entregado al remitente', 'entregue ao remetente', 'distribué à l expéditeur', 'вручение отправителю', 'получено отправителем', '退回签收', '退件签收',
  ]],

  ['exception', ['exception', 'shipment exception', 'incidencia', 'incident', 'problème', '异常', '问题件']],
  ['exception/damaged', ['damaged', 'damage*', 'dañado', 'danificado', 'avariado', 'endommagé', 'beschädigt', 'повреждено', 'تالف', '破损']],
  ['exception/lost', ['lost', 'missing', 'cannot be located', 'extraviado', 'perdu', 'verloren', 'утрачено', 'утеряно', 'مفقود', '丢失', '遗失']],
  ['exception/destroyed', ['destroyed', 'disposed', 'уничтожено', '销毁']],
  ['exception/cancelled', ['cancelled', 'canceled', 'shipment cancelled', 'voided', 'cancelado', 'cancelada', 'annulé', 'storniert', 'annullato', 'отменено', 'ملغاه', '取消', '已取消']],
  ['exception/on_hold', ['on hold', 'shipment held', 'held at facility']],

  ['info_received', [
    'shipment information received', 'shipping information received', 'information received', 'label created', 'shipping label created', 'electronic information',
    'electronic shipping info', 'pre shipment', 'order information received', 'order created', 'shipment created', 'shipment data received', 'billing information received',
    'awaiting item', 'prerregistrado', 'pre registrado', 'etiqueta emitida', 'déclaratif réceptionné', 'elektronisch angekündigt', 'auftragsdaten', 'spedizione creata',
    'przygotowana przez nadawcę', 'aangemeld', 'voorgemeld', 'присвоен трек номер', 'تم انشاء الشحنه', '已下单', '订单已创建', '电子信息', '已接收电子信息',
  ]],
  ['info_received/pickup_scheduled', ['pickup scheduled', 'awaiting carrier pickup', 'awaiting pickup', 'collection scheduled', 'pickup requested', '等待揽收', '待揽收']],

  ['in_transit', [
    'in transit', 'transit', 'processed', 'processing', 'sorted', 'sorting', 'en route', 'on the way', 'on its way', 'linehaul', 'line haul', 'flight', 'in flight',
    'en tránsito', 'clasificado', 'em trânsito', 'encaminhado', 'en transit', 'en cours d acheminement', 'en cours de traitement', 'paketzentrum',
    'in transito', 'w drodze', 'onderweg', 'gesorteerd', 'сортировочный центр', 'сортировка', 'обработка', 'в пути',
    'في الطريق', 'قيد النقل', '运输中', '在途', '转运', '中转', '分拣', '航班', '간선상차', '간선하차', '배송중', '이동중',
  ]],
  ['in_transit/picked_up', ['picked up', 'shipment picked up', 'package picked up', 'collected', 'recogido', 'coletado', 'abgeholt', '揽收', '已揽收', '揽件', '已收件', '집화처리', '집하']],
  ['in_transit/accepted', [
    'accepted', 'acceptance', 'posted', 'item posted', 'received by carrier', 'dropped off', 'received your item', 'admitido', 'postado', 'objeto postado',
    'pris en charge', 'eingeliefert', 'accettato', 'accettata', 'presa in carico', 'nadana', 'przyjęta', 'kabul edildi',
    'прием', 'принято', 'تم استلام الشحنه', '收寄', '已收寄', '交寄', '引受', '접수', '상품인수',
  ]],
  ['in_transit/arrived_at_facility', ['arrived', 'arrival', 'arrived at', 'arrival at', 'received at facility', 'llegada', 'chegada', 'arrivé', 'прибыло', 'وصلت', '到达', '已到达', '抵达', '到着', '도착']],
  ['in_transit/departed_facility', ['departed', 'departure', 'dispatch*', 'leaving', 'has left', 'left the facility', 'salida', 'покинуло', 'отправлено', 'غادرت', '离开', '已发出', '发出', '发往', '発送', '출발']],
  ['in_transit/export', [
    'export*', 'export clearance', 'export customs', 'export customs clearance', 'left the country of origin', 'departed from country of origin',
    'leaving from departure country', 'departed from departure country', 'handed over to airline', 'hand over to airline',
    'экспорт', '出口', '已出口', '出口清关', '出口报关', '离开始发国', '离港', '交航',
  ]],
  ['in_transit/import', [
    'import scan', 'arrived at destination country', 'arrival at destination country', 'arrived in destination country', 'arrived in the destination country',
    'arrived at destination', 'received in destination country', 'recebido pelos correios do brasil', 'импорт', '到达目的国', '抵达目的国', '到达目的地国家',
  ]],
  ['in_transit/handed_over', [
    'handed over to', 'handed to', 'transferred to', 'forwarded to', 'received by local delivery company', 'accepted by last mile', 'last mile', 'local carrier',
    'delivery partner', 'delivered to local', 'delivered to carrier', '交由', '转交', '已交给', '移交',
  ]],
  ['in_transit/delayed', ['delay*', 'weather', 'flight cancelled', 'missed connection', 'retraso', 'atraso', 'retard', 'verzögerung', 'задержка', '延误', '延迟']],
];

function compileGroups(groups: readonly KeywordGroup[]): KeywordRule[] {
  const rules: KeywordRule[] = [];
  const seen = new Map<string, string>();
  for (const [mappingText, keywords] of groups) {
    const mapping = parseStatusMapping(mappingText);
    if (typeof mapping === 'string') throw new Error(`shared keyword group ${mappingText}: ${mapping}`);
    for (const keyword of keywords) {
      const rule = compileKeyword(keyword, mapping);
      if (typeof rule === 'string') throw new Error(`shared keyword ${rule}`);
      const earlier = seen.get(rule.folded);
      if (earlier !== undefined) throw new Error(`shared keyword ${JSON.stringify(keyword)} repeats one under ${earlier}`);
      seen.set(rule.folded, mappingText);
      rules.push(rule);
    }
  }
  return rules;
}

export const SHARED_KEYWORD_RULES: readonly KeywordRule[] = compileGroups(SHARED_KEYWORDS);

/* ------------------------------------------------------------------------------------------------
 * Mapping one event
 * --------------------------------------------------------------------------------------------- */

export type MappedBy = 'code' | 'carrier_keyword' | 'keyword' | 'coarse_code' | 'none';

export interface MappedStatus extends StatusMapping {
  mappedBy: MappedBy;
  /** The code or keyword that decided. */
  matched?: string;
}

const CODE_FAMILY = /^(.+?)[.\-:/][^.\-:/]+$/;

function lookupCode(codes: ReadonlyMap<string, StatusMapping>, code: string): [string, StatusMapping] | undefined {
  let key: string | undefined = code;
  while (key !== undefined) {
    const mapping = codes.get(key);
    if (mapping) return [key, mapping];
    key = CODE_FAMILY.exec(key)?.[1];
  }
  return undefined;
}

/** Maps a carrier's raw event to the canonical status (order of rules at the top of this file). */
export function mapCarrierEvent(statusMap: CarrierStatusMap | undefined, event: { code?: string; text?: string }): MappedStatus {
  const code = event.code === undefined ? '' : normalizeEventCode(event.code);
  if (statusMap && code !== '') {
    const found = lookupCode(statusMap.codes, code);
    if (found) return { ...found[1], mappedBy: 'code', matched: found[0] };
  }
  const folded = event.text === undefined ? '' : foldText(event.text);
  if (folded !== '') {
    const own = statusMap ? findKeyword(statusMap.keywords, folded) : undefined;
    if (own) return { ...own.mapping, mappedBy: 'carrier_keyword', matched: own.keyword };
    const shared = findKeyword(SHARED_KEYWORD_RULES, folded);
    if (shared) return { ...shared.mapping, mappedBy: 'keyword', matched: shared.keyword };
  }
  if (statusMap && code !== '') {
    const found = lookupCode(statusMap.coarseCodes, code);
    if (found) return { ...found[1], mappedBy: 'coarse_code', matched: found[0] };
  }
  return { status: 'in_transit', subStatus: 'in_transit', mappedBy: 'none' };
}

/* ------------------------------------------------------------------------------------------------
 * Events
 * --------------------------------------------------------------------------------------------- */

/** An event as a carrier or aggregator reports it, before mapping. */
export interface RawCarrierEvent {
  /** The carrier's own id for the event, when it gives one (webhooks usually do). */
  eventId?: string;
  code?: string;
  text?: string;
  location?: string;
  /**
   * When the carrier says it happened: ISO 8601 with "Z" or an offset, or a local date-time
   * ("2026-11-20 10:33") together with `utcOffset`. The adapter that knows the carrier's time
   * zone supplies the offset; a time without one cannot be ordered against other carriers'.
   */
  time: string;
  utcOffset?: string;
}

export interface TrackingEvent extends MappedStatus {
  /** The registry code of the carrier that reported the event. */
  carrier: string;
  eventId?: string;
  /** The raw code, text, location and time exactly as received. */
  code?: string;
  text?: string;
  location?: string;
  time: string;
  utcOffset?: string;
  /** The carrier's event time in UTC, ISO 8601. */
  occurredAt: string;
  /** When the event reached us, UTC, ISO 8601. */
  receivedAt: string;
}

export class TrackingEventError extends Error {
  override name = 'TrackingEventError';
}

const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)\s*(Z|[+-]\d{2}:?\d{2})?$/i;
const OFFSET = /^(?:Z|[+-]\d{2}:?\d{2})$/i;

function colonOffset(offset: string): string {
  return /^[+-]\d{4}$/.test(offset) ? `${offset.slice(0, 3)}:${offset.slice(3)}` : offset.toUpperCase();
}

/** The carrier's event time as epoch milliseconds; throws on a time that cannot be placed. */
export function parseEventTime(time: string, utcOffset?: string): number {
  const match = DATE_TIME.exec(time.trim());
  if (!match) throw new TrackingEventError(`event time ${JSON.stringify(time)} is not an ISO 8601 date-time`);
  const [, date, clock, zone] = match as unknown as [string, string, string, string | undefined];
  let offset = zone;
  if (offset === undefined) {
    if (utcOffset === undefined) throw new TrackingEventError(`event time ${JSON.stringify(time)} has no UTC offset; give utcOffset for the carrier's local time`);
    if (!OFFSET.test(utcOffset)) throw new TrackingEventError(`utcOffset ${JSON.stringify(utcOffset)} must look like "+08:00" or "Z"`);
    offset = utcOffset;
  }
  // Date.parse rolls impossible days over (30 February becomes 2 March), so check the calendar first.
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  const calendar = new Date(Date.UTC(year, month - 1, day));
  const realDay = calendar.getUTCFullYear() === year && calendar.getUTCMonth() === month - 1 && calendar.getUTCDate() === day;
  const ms = Date.parse(`${date}T${clock.length === 5 ? `${clock}:00` : clock}${colonOffset(offset)}`);
  if (!realDay || Number.isNaN(ms)) throw new TrackingEventError(`event time ${JSON.stringify(time)} is not a real date-time`);
  return ms;
}

function toIso(value: Date | string, what: string): string {
  const ms = typeof value === 'string' ? Date.parse(value) : value.getTime();
  if (Number.isNaN(ms)) throw new TrackingEventError(`${what} ${JSON.stringify(value)} is not a date-time`);
  return new Date(ms).toISOString();
}

/** Maps a raw event and stamps it with its UTC time and arrival; the raw fields stay as given. */
export function toTrackingEvent(
  carrier: { code: string; statusMap?: CarrierStatusMap },
  raw: RawCarrierEvent,
  receivedAt: Date | string,
): TrackingEvent {
  const occurredAt = new Date(parseEventTime(raw.time, raw.utcOffset)).toISOString();
  const mapped = mapCarrierEvent(carrier.statusMap, raw);
  return {
    carrier: carrier.code,
    ...(raw.eventId !== undefined ? { eventId: raw.eventId } : {}),
    ...(raw.code !== undefined ? { code: raw.code } : {}),
    ...(raw.text !== undefined ? { text: raw.text } : {}),
    ...(raw.location !== undefined ? { location: raw.location } : {}),
    time: raw.time,
    ...(raw.utcOffset !== undefined ? { utcOffset: raw.utcOffset } : {}),
    occurredAt,
    receivedAt: toIso(receivedAt, 'receivedAt'),
    ...mapped,
  };
}

/* ------------------------------------------------------------------------------------------------
 * Ordering, duplicates, late arrivals
 * --------------------------------------------------------------------------------------------- */

/**
 * Carrier-time order. Events stamped with the same time (carriers often round to the minute) go
 * in journey order — "out for delivery" before "delivered" — and then in order of arrival.
 */
export function orderEvents(events: readonly TrackingEvent[]): TrackingEvent[] {
  return events
    .map((event, index) => ({ event, index }))
    .sort(
      (a, b) =>
        Date.parse(a.event.occurredAt) - Date.parse(b.event.occurredAt) ||
        progression(a.event) - progression(b.event) ||
        Date.parse(a.event.receivedAt) - Date.parse(b.event.receivedAt) ||
        a.index - b.index,
    )
    .map(({ event }) => event);
}

/** The keys under which an event counts as already known: its id, and its time, code and place. */
export function eventKeys(event: TrackingEvent): string[] {
  const keys: string[] = [];
  if (event.eventId !== undefined && event.eventId.trim() !== '') keys.push(`${event.carrier}|id|${event.eventId.trim()}`);
  const what = event.code !== undefined && event.code.trim() !== '' ? `code:${normalizeEventCode(event.code)}` : `text:${foldText(event.text ?? '')}`;
  keys.push(`${event.carrier}|${Date.parse(event.occurredAt)}|${what}|${foldText(event.location ?? '')}`);
  return keys;
}

export interface DedupedEvents {
  /** Unique events in carrier-time order. */
  events: TrackingEvent[];
  /** Events dropped because an earlier-received one had the same id or time, code and place. */
  duplicates: TrackingEvent[];
}

/** Drops repeats, keeping the copy that reached us first. */
export function dedupeEvents(events: readonly TrackingEvent[]): DedupedEvents {
  const byArrival = events
    .map((event, index) => ({ event, index }))
    .sort((a, b) => Date.parse(a.event.receivedAt) - Date.parse(b.event.receivedAt) || a.index - b.index);
  const seen = new Set<string>();
  const kept: TrackingEvent[] = [];
  const duplicates: TrackingEvent[] = [];
  for (const { event } of byArrival) {
    const keys = eventKeys(event);
    if (keys.some((key) => seen.has(key))) {
      duplicates.push(event);
      continue;
    }
    for (const key of keys) seen.add(key);
    kept.push(event);
  }
  return { events: orderEvents(kept), duplicates };
}

export interface MergedEvents {
  /** Everything known now, unique, in carrier-time order. */
  events: TrackingEvent[];
  /** Incoming events that were new. */
  added: TrackingEvent[];
  /** Incoming events already known (by id, or by time, code and place). */
  duplicates: TrackingEvent[];
  /** New events older than the newest event known before: they fill in history, not news. */
  late: TrackingEvent[];
}

/** Adds a batch of incoming events to the known ones. Known events always win over incoming copies. */
export function mergeEvents(known: readonly TrackingEvent[], incoming: readonly TrackingEvent[]): MergedEvents {
  const seen = new Set(known.flatMap(eventKeys));
  const newestKnown = known.reduce((newest, event) => Math.max(newest, Date.parse(event.occurredAt)), Number.NEGATIVE_INFINITY);
  const deduped = dedupeEvents(incoming);
  const added: TrackingEvent[] = [];
  const duplicates = [...deduped.duplicates];
  for (const event of deduped.events) {
    const keys = eventKeys(event);
    if (keys.some((key) => seen.has(key))) {
      duplicates.push(event);
      continue;
    }
    for (const key of keys) seen.add(key);
    added.push(event);
  }
  return {
    events: orderEvents([...known, ...added]),
    added,
    duplicates,
    late: added.filter((event) => Date.parse(event.occurredAt) < newestKnown),
  };
}

/* ------------------------------------------------------------------------------------------------
 * Stages
 * --------------------------------------------------------------------------------------------- */

const PRE_SHIPMENT: readonly MainStatus[] = ['pending', 'info_received'];

/** The stage a shipment is in after an event, given the stage before it (see the rules at the top). */
function nextStage(previous: MainStatus | undefined, event: TrackingEvent): StatusMapping {
  const keep = (stage: MainStatus): StatusMapping => ({ status: stage, subStatus: defaultSubStatus(stage) });
  if (event.mappedBy === 'none') {
    // An event nobody could read still shows the parcel moving, but says nothing more.
    return previous === undefined || PRE_SHIPMENT.includes(previous) ? { status: 'in_transit', subStatus: 'in_transit' } : keep(previous);
  }
  if (previous === 'returned') return keep('returned');
  if (previous === 'delivered') {
    return event.status === 'returning' || event.status === 'returned' ? event : keep('delivered');
  }
  if (previous === 'returning') {
    if (event.status === 'returned') return event;
    if (event.status === 'delivered') return { status: 'returned', subStatus: 'returned' };
    return keep('returning');
  }
  if (previous !== undefined && !PRE_SHIPMENT.includes(previous) && PRE_SHIPMENT.includes(event.status)) return keep(previous);
  return event;
}

export interface StageChange {
  stage: MainStatus;
  subStatus: string;
  /** The event that moved the shipment into the stage. */
  event: TrackingEvent;
  previous: MainStatus | undefined;
  /** True the first time the shipment enters this stage: the event a buyer is told about. */
  first: boolean;
}

interface Walk {
  changes: StageChange[];
  /** The stage after each event, in carrier-time order. */
  steps: { event: TrackingEvent; stage: MainStatus; subStatus: string }[];
}

function walk(events: readonly TrackingEvent[]): Walk {
  const ordered = dedupeEvents(events).events;
  const changes: StageChange[] = [];
  const steps: Walk['steps'] = [];
  const entered = new Set<MainStatus>();
  let current: StatusMapping | undefined;
  for (const event of ordered) {
    const next = nextStage(current?.status, event);
    // Within a stage the sub-status follows the latest event that speaks for that stage.
    const subStatus = next.status === event.status && event.mappedBy !== 'none' ? event.subStatus : next.status === current?.status ? current.subStatus : next.subStatus;
    if (next.status !== current?.status) {
      changes.push({ stage: next.status, subStatus, event, previous: current?.status, first: !entered.has(next.status) });
      entered.add(next.status);
    }
    current = { status: next.status, subStatus };
    steps.push({ event, stage: current.status, subStatus });
  }
  return { changes, steps };
}

/** Every change of stage along the events, in carrier-time order. */
export function stageChanges(events: readonly TrackingEvent[]): StageChange[] {
  return walk(events).changes;
}

export interface NotificationsDue {
  /** The stage to tell the buyer about now, if any. */
  notify: StageChange | undefined;
  /**
   * First entries of stages the buyer was never told about and never will be, because the parcel
   * had already moved past them (a late event, or several stages in one batch). Record them as
   * handled so they are not sent later.
   */
  superseded: StageChange[];
}

/**
 * Which stage notification to send, given the stages already notified (or superseded). Only
 * first entries into a stage count; of those not yet handled, only the newest is sent, and only if
 * it is newer than everything already notified.
 */
export function notificationsDue(events: readonly TrackingEvent[], handled: Iterable<MainStatus>): NotificationsDue {
  const done = new Set(handled);
  const firsts = walk(events).changes.filter((change) => change.first);
  const watermark = firsts.filter((change) => done.has(change.stage)).reduce((latest, change) => Math.max(latest, Date.parse(change.event.occurredAt)), Number.NEGATIVE_INFINITY);
  const open = firsts.filter((change) => !done.has(change.stage));
  const fresh = open.filter((change) => Date.parse(change.event.occurredAt) > watermark);
  const notify = fresh.at(-1);
  return { notify, superseded: open.filter((change) => change !== notify) };
}

/* ------------------------------------------------------------------------------------------------
 * Current status and the buyer's timeline
 * --------------------------------------------------------------------------------------------- */

export interface ShipmentStatus extends StatusMapping {
  /** When the shipment entered the current stage (carrier time), if it has events. */
  since?: string;
  /** The newest event by carrier time. */
  lastEvent?: TrackingEvent;
  terminal: boolean;
}

export interface CurrentStatusOptions {
  now: Date;
  /** Days without a carrier event after which a shipment that is not finished counts as expired. */
  expireAfterDays?: number;
  /** When tracking started; a shipment with no events at all expires counted from here. */
  registeredAt?: Date | string;
}

/** AfterShip's rule, which buyers and sellers know: 30 days with no news. */
export const DEFAULT_EXPIRE_AFTER_DAYS = 30;

/** The status of a shipment from its events, as of `now` (which decides expiry). */
export function currentStatus(events: readonly TrackingEvent[], options: CurrentStatusOptions): ShipmentStatus {
  const limit = (options.expireAfterDays ?? DEFAULT_EXPIRE_AFTER_DAYS) * 86_400_000;
  const now = options.now.getTime();
  const { changes, steps } = walk(events);
  const last = steps.at(-1);
  if (!last) {
    const registered = options.registeredAt === undefined ? undefined : Date.parse(toIso(options.registeredAt, 'registeredAt'));
    if (registered !== undefined && now - registered > limit) return { status: 'expired', subStatus: 'no_update', terminal: false };
    return { status: 'pending', subStatus: 'not_found', terminal: false };
  }
  const change = changes.at(-1) as StageChange;
  const terminal = TERMINAL_STATUSES.includes(last.stage);
  if (!terminal && now - Date.parse(last.event.occurredAt) > limit) {
    return { status: 'expired', subStatus: 'no_update', since: change.event.occurredAt, lastEvent: last.event, terminal: false };
  }
  return { status: last.stage, subStatus: last.subStatus, since: change.event.occurredAt, lastEvent: last.event, terminal };
}

export interface TimelineEntry {
  occurredAt: string;
  /** The stage the shipment was in after this event. */
  stage: MainStatus;
  subStatus: string;
  /** The event's own canonical status (it can differ from the stage: a scan after delivery). */
  eventStatus: MainStatus;
  /** True for the event that opened its stage, which pages show as a milestone. */
  startsStage: boolean;
  /** English description of the event's status; pages localise from stage and sub-status. */
  label: string;
  carrier: string;
  text?: string;
  location?: string;
  code?: string;
}

/** The buyer-facing timeline: every unique event, newest first, with the carrier's own words. */
export function buyerTimeline(events: readonly TrackingEvent[]): TimelineEntry[] {
  const { changes, steps } = walk(events);
  const openers = new Set(changes.map((change) => change.event));
  return steps
    .map(({ event, stage, subStatus }) => ({
      occurredAt: event.occurredAt,
      stage,
      subStatus,
      eventStatus: event.status,
      startsStage: openers.has(event),
      label: event.mappedBy === 'none' ? describeStatus(stage, subStatus) : describeStatus(event.status, event.subStatus),
      carrier: event.carrier,
      ...(event.text !== undefined ? { text: event.text } : {}),
      ...(event.location !== undefined ? { location: event.location } : {}),
      ...(event.code !== undefined ? { code: event.code } : {}),
    }))
    .reverse();
}
