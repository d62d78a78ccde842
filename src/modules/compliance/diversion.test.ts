import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR } from '../../platform/paths.ts';
import {
  compileDiversionRules,
  DiversionRulesError,
  loadDiversionRulesFile,
  parseDiversionRules,
  type DiversionKind,
} from './diversion.ts';

const RULES_FILE = path.join(DATA_DIR, 'compliance', 'diversion-rules.json');
const rules = loadDiversionRulesFile(RULES_FILE);
const detector = compileDiversionRules(rules);

type Language = 'en' | 'zh' | 'es' | 'fr' | 'ru' | 'pt' | 'ar' | 'ko';
type Expected = [DiversionKind, string][];

interface Positive {
  language: Language;
  text: string;
  hits: Expected;
}

function scan(text: string): Expected {
  return detector.scan([{ path: '/description', text }]).map((hit) => [hit.kind, hit.matched]);
}

/**
 * Texts that steer buyers off the platform, grouped by the kind each example is about, with
 * every hit the text must produce (kind and the seller's own characters), in order. Some
 * examples carry hits of another kind too ("Contact me on WhatsApp" is a phrase and a messenger).
 */
const POSITIVES: Record<DiversionKind, Positive[]> = {
  url: [
    { language: 'en', text: 'Order at www.cheap-deals.shop for 20% off', hits: [['url', 'www.cheap-deals.shop']] },
    { language: 'en', text: 'More colours on https://example-store.com/p/123.', hits: [['url', 'https://example-store.com/p/123']] },
    { language: 'en', text: 'Same item, half price: bestdeals dot com', hits: [['url', 'bestdeals dot com']] },
    { language: 'en', text: 'Catalogue at shop\u200Bdeals.com', hits: [['url', 'shop\u200Bdeals.com']] },
    { language: 'zh', text: '官网：ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ', hits: [['url', 'ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏｍ']] },
    { language: 'zh', text: '更多款式请看 shop88点com', hits: [['url', 'shop88点com']] },
    { language: 'zh', text: '店铺地址 myshop。cn 欢迎光临', hits: [['url', 'myshop。cn']] },
    { language: 'es', text: 'Más modelos en tienda-ejemplo(.)com', hits: [['url', 'tienda-ejemplo(.)com']] },
    { language: 'fr', text: 'Catalogue complet : boutique-exemple.fr', hits: [['url', 'boutique-exemple.fr']] },
    { language: 'ru', text: 'Подробнее: магазин.рф', hits: [['url', 'магазин.рф']] },
    { language: 'ru', text: 'Сайт: mystore точка ру', hits: [['url', 'mystore точка ру']] },
    { language: 'pt', text: 'Veja mais em lojaexemplo . com . br', hits: [['url', 'lojaexemplo . com . br']] },
    { language: 'ar', text: 'زوروا متجرنا example-shop.net', hits: [['url', 'example-shop.net']] },
    { language: 'ko', text: '구매는 example닷컴 에서', hits: [['url', 'example닷컴']] },
    { language: 'en', text: 'Details: w w w . shop88 . xyz', hits: [['url', 'w w w . shop88 . xyz']] },
    { language: 'es', text: 'Tienda oficial: https://tienda.ejemplo.es/ofertas', hits: [['url', 'https://tienda.ejemplo.es/ofertas']] },
  ],
  email: [
    { language: 'en', text: 'Email sales@example.com for samples', hits: [['email', 'sales@example.com']] },
    { language: 'en', text: 'Write to john.doe (at) example dot com', hits: [['email', 'john.doe (at) example dot com']] },
    { language: 'en', text: 'Send your order to shop123 at gmail dot com', hits: [['email', 'shop123 at gmail dot com']] },
    { language: 'en', text: 'Questions: shop123 @ yahoo . com', hits: [['email', 'shop123 @ yahoo . com']] },
    { language: 'zh', text: '邮箱：abc123@qq.com', hits: [['email', 'abc123@qq.com']] },
    { language: 'zh', text: '联系邮箱 shop艾特163.com', hits: [['email', 'shop艾特163.com']] },
    { language: 'es', text: 'correo: ventas arroba gmail punto com', hits: [['email', 'ventas arroba gmail punto com']] },
    { language: 'fr', text: 'Écrivez à contact[at]boutique.fr', hits: [['email', 'contact[at]boutique.fr']] },
    { language: 'ru', text: 'Почта: shop собака mail точка ру', hits: [['email', 'shop собака mail точка ру']] },
    { language: 'pt', text: 'E-mail: loja@exemplo.com.br', hits: [['email', 'loja@exemplo.com.br']] },
    { language: 'ar', text: 'البريد: info@example.sa', hits: [['email', 'info@example.sa']] },
    { language: 'ko', text: '이메일 ｓｈｏｐ＠ｎａｖｅｒ．ｃｏｍ', hits: [['email', 'ｓｈｏｐ＠ｎａｖｅｒ．ｃｏｍ']] },
    { language: 'en', text: 'Drop a line to shop(a)gmail.com', hits: [['email', 'shop(a)gmail.com']] },
  ],
  phone: [
    { language: 'en', text: 'Call +1 (555) 123-4567 today', hits: [['phone', '+1 (555) 123-4567']] },
    { language: 'en', text: 'Phone: one three eight zero zero one three eight zero zero zero', hits: [['phone', 'one three eight zero zero one three eight zero zero zero']] },
    { language: 'en', text: 'tel 138 zero zero 13 8000', hits: [['phone', '138 zero zero 13 8000']] },
    { language: 'en', text: 'Hotline: 2837 4619', hits: [['phone', '2837 4619']] },
    { language: 'zh', text: '电话：138 0013 8000', hits: [['phone', '138 0013 8000']] },
    { language: 'zh', text: '手机 一三八零零一三八零零零', hits: [['phone', '一三八零零一三八零零零']] },
    { language: 'zh', text: 'ＴＥＬ：１３８００１３８０００', hits: [['phone', '１３８００１３８０００']] },
    { language: 'zh', text: '订货热线 138\u200B0013\u200B8000', hits: [['phone', '138\u200B0013\u200B8000']] },
    { language: 'es', text: 'Llámanos al 612 345 678', hits: [['phone', '612 345 678']] },
    { language: 'es', text: 'Teléfono: uno tres ocho cero cero uno tres ocho cero cero cero', hits: [['phone', 'uno tres ocho cero cero uno tres ocho cero cero cero']] },
    { language: 'fr', text: 'Tél : 06 12 34 56 78', hits: [['phone', '06 12 34 56 78']] },
    { language: 'fr', text: 'Portable : zéro six un deux trois quatre cinq six sept huit', hits: [['phone', 'zéro six un deux trois quatre cinq six sept huit']] },
    { language: 'ru', text: 'Звоните: 8 (912) 345-67-89', hits: [['phone', '8 (912) 345-67-89']] },
    { language: 'ru', text: 'Тел. восемь девять один два три четыре пять шесть семь восемь девять', hits: [['phone', 'восемь девять один два три четыре пять шесть семь восемь девять']] },
    { language: 'pt', text: 'Atendimento (11) 98765-4321 horário comercial', hits: [['phone', '(11) 98765-4321']] },
    { language: 'pt', text: 'Celular: +55 11 98765-4321', hits: [['phone', '+55 11 98765-4321']] },
    { language: 'ar', text: 'للطلب اتصل على ٠٥٠١٢٣٤٥٦٧', hits: [['phone', '٠٥٠١٢٣٤٥٦٧']] },
    { language: 'ar', text: 'جوال: صفر خمسة صفر واحد اثنان ثلاثة أربعة خمسة ستة سبعة', hits: [['phone', 'صفر خمسة صفر واحد اثنان ثلاثة أربعة خمسة ستة سبعة']] },
    { language: 'ko', text: '주문 010-1234-5678', hits: [['phone', '010-1234-5678']] },
    { language: 'ko', text: '전화 공일공 일이삼사 오육칠팔', hits: [['phone', '공일공 일이삼사 오육칠팔']] },
  ],
  messenger: [
    { language: 'en', text: 'WhatsApp: +86 138 0013 8000', hits: [['messenger', 'WhatsApp'], ['phone', '+86 138 0013 8000']] },
    { language: 'en', text: 'wechat id: abc123', hits: [['messenger', 'wechat id: abc123']] },
    { language: 'en', text: 'w h a t s a p p for details', hits: [['messenger', 'w h a t s a p p']] },
    { language: 'en', text: 'Message on wh4tsapp', hits: [['messenger', 'wh4tsapp']] },
    { language: 'en', text: 'Find us on W.h.a.t.s.A.p.p', hits: [['messenger', 'W.h.a.t.s.A.p.p']] },
    { language: 'en', text: 'Deals on whats-app', hits: [['messenger', 'whats-app']] },
    { language: 'en', text: 'Chat on W\u0435Chat', hits: [['messenger', 'W\u0435Chat']] },
    { language: 'en', text: 'Updates on tele\u200Bgram', hits: [['messenger', 'tele\u200Bgram']] },
    { language: 'en', text: 'Ping me on t.me/cheapshop', hits: [['contact_phrase', 'Ping me'], ['messenger', 't.me/cheapshop']] },
    { language: 'en', text: 'Telegram @cheapshop', hits: [['messenger', 'Telegram @cheapshop']] },
    { language: 'en', text: '@cheapshop on Telegram', hits: [['messenger', '@cheapshop on Telegram']] },
    { language: 'en', text: 'LINE ID: shop_88', hits: [['messenger', 'LINE ID: shop_88']] },
    { language: 'en', text: 'Order via https://wa.me/8613800138000?text=hi', hits: [['messenger', 'https://wa.me/8613800138000?text=hi']] },
    { language: 'en', text: 'Whatsapp/Wechat: +86 138 0013 8000', hits: [['messenger', 'Whatsapp'], ['messenger', 'Wechat'], ['phone', '+86 138 0013 8000']] },
    { language: 'zh', text: '加微信', hits: [['messenger', '微信']] },
    { language: 'zh', text: 'VX: abc', hits: [['messenger', 'VX: abc']] },
    { language: 'zh', text: '薇信 shop888', hits: [['messenger', '薇信 shop888']] },
    { language: 'zh', text: 'QQ：123456789', hits: [['messenger', 'QQ：123456789']] },
    { language: 'zh', text: '加V：abc888', hits: [['messenger', 'V：abc888']] },
    { language: 'zh', text: '瓦次艾普 +8613800138000', hits: [['messenger', '瓦次艾普'], ['phone', '+8613800138000']] },
    { language: 'zh', text: '加Q 12345678', hits: [['messenger', 'Q 12345678']] },
    { language: 'zh', text: '手机13800138000（微信同号）', hits: [['phone', '13800138000'], ['messenger', '微信']] },
    { language: 'zh', text: '加飞机 @shop888', hits: [['messenger', '飞机 @shop888']] },
    { language: 'es', text: 'Pedidos por WhatsApp', hits: [['messenger', 'WhatsApp']] },
    { language: 'es', text: 'Contáctame por WhatsApp', hits: [['contact_phrase', 'Contáctame'], ['messenger', 'WhatsApp']] },
    { language: 'fr', text: 'Ajoutez-moi sur Telegram', hits: [['contact_phrase', 'Ajoutez-moi'], ['messenger', 'Telegram']] },
    { language: 'fr', text: 'Mon Viber : shop_paris', hits: [['messenger', 'Viber : shop_paris']] },
    { language: 'ru', text: 'Пишите в телеграм @cheapshop', hits: [['messenger', 'телеграм @cheapshop']] },
    { language: 'ru', text: 'Мой вацап 8 912 345 67 89', hits: [['messenger', 'вацап'], ['phone', '8 912 345 67 89']] },
    { language: 'pt', text: 'Me chama no zap', hits: [['contact_phrase', 'Me chama'], ['messenger', 'zap']] },
    { language: 'pt', text: 'Insta: @loja.exemplo', hits: [['messenger', 'Insta: @loja.exemplo']] },
    { language: 'ar', text: 'تواصل معي على الواتساب', hits: [['contact_phrase', 'تواصل معي'], ['messenger', 'الواتساب']] },
    { language: 'ar', text: 'رقم واتساب: +966 50 123 4567', hits: [['messenger', 'واتساب'], ['phone', '+966 50 123 4567']] },
    { language: 'ko', text: '카톡 아이디: shop88', hits: [['messenger', '카톡 아이디: shop88']] },
    { language: 'ko', text: '문의는 카톡으로', hits: [['messenger', '카톡']] },
    { language: 'ko', text: '왓츠앱 +82 10-1234-5678', hits: [['messenger', '왓츠앱'], ['phone', '+82 10-1234-5678']] },
  ],
  contact_phrase: [
    { language: 'en', text: 'Contact me for a better price', hits: [['contact_phrase', 'Contact me for a better price']] },
    { language: 'en', text: 'Buy directly from our factory and save', hits: [['contact_phrase', 'Buy directly from our factory']] },
    { language: 'en', text: 'Cheaper if you order outside the platform', hits: [['contact_phrase', 'order outside the platform']] },
    { language: 'en', text: 'Please contact us directly for wholesale', hits: [['contact_phrase', 'contact us directly']] },
    { language: 'en', text: 'Visit our website for the full range', hits: [['contact_phrase', 'Visit our website']] },
    { language: 'zh', text: '私聊有优惠', hits: [['contact_phrase', '私聊']] },
    { language: 'zh', text: '联系我拿货价', hits: [['contact_phrase', '联系我']] },
    { language: 'zh', text: '加我有惊喜', hits: [['contact_phrase', '加我']] },
    { language: 'zh', text: '线下交易更便宜', hits: [['contact_phrase', '线下交易']] },
    { language: 'es', text: 'Contáctame para más modelos', hits: [['contact_phrase', 'Contáctame']] },
    { language: 'es', text: 'Más barato fuera de la plataforma', hits: [['contact_phrase', 'Más barato fuera de la plataforma']] },
    { language: 'fr', text: 'Contactez-moi pour un prix de gros', hits: [['contact_phrase', 'Contactez-moi']] },
    { language: 'fr', text: 'Achetez directement chez nous, moins cher', hits: [['contact_phrase', 'Achetez directement chez nous']] },
    { language: 'ru', text: 'Напишите мне, отвечу быстро', hits: [['contact_phrase', 'Напишите мне']] },
    { language: 'ru', text: 'Дешевле напрямую, пишите в личку', hits: [['contact_phrase', 'Дешевле напрямую'], ['contact_phrase', 'пишите в личку']] },
    { language: 'pt', text: 'Entre em contato comigo para melhor preço', hits: [['contact_phrase', 'Entre em contato comigo']] },
    { language: 'pt', text: 'Compre direto comigo e economize', hits: [['contact_phrase', 'Compre direto comigo']] },
    { language: 'ar', text: 'راسلني للحصول على سعر أفضل', hits: [['contact_phrase', 'راسلني']] },
    { language: 'ar', text: 'الشراء خارج المنصة أرخص', hits: [['contact_phrase', 'خارج المنصة']] },
    { language: 'ko', text: '연락주세요', hits: [['contact_phrase', '연락주세요']] },
    { language: 'ko', text: '직거래 가능합니다', hits: [['contact_phrase', '직거래']] },
  ],
};

/**
 * Legitimate product text that must produce no hit: specifications full of numbers, messenger
 * names as features, "contact us" pointing to the platform's messages, words that are also
 * domain endings or messenger names.
 */
const LEGITIMATE: string[] = [
  // dimensions, sizes, weights
  'Dimensions: 120 x 60 x 75 cm',
  'Dimensions 30.5 x 20.3 x 10.1 inches',
  '尺寸：30×20cm',
  'размер 42',
  'Size XL',
  'Sizes: EU 36 37 38 39 40 41 42',
  'Tamanho 38 40 42 44',
  'Zapatillas running hombre, talla 40 41 42 43 44, envío en 24/48 horas, devolución gratis 30 días',
  'Chaussures de sport homme, pointure 40 à 45, livraison en 2 à 5 jours ouvrés',
  '가격 12,900원, 사이즈 230 240 250 260 270',
  'مقاس 42، السعر 199 ريال',
  'Specification: Material: TPU. Color: Black,White,Red. Size: 14.6 x 7.1 x 0.8 cm. Weight: 30 g',
  '品牌：小米 型号：MI-2023 颜色：白色 尺寸：120*60*75cm 重量：2.5kg 产地：广东深圳',
  // model numbers and compatibility
  'Apple iPhone 15 Pro Max 256GB Natural Titanium',
  'Samsung Galaxy S24 Ultra SM-S928B/DS',
  'Compatible with iPhone 12 13 14 15 16',
  'Fits 2018 2019 2020 2021 Honda Civic',
  'Apple Watch compatible band, 42mm/44mm/45mm',
  'USB-C PD 20W charger for iPhone 15/14/13',
  'Brand™ Model No.A2345',
  // electrical and digital specs
  'Input 110-240V 50/60Hz',
  'Resolution 1920x1080 Full HD',
  'Battery 5000mAh, fast charging 65W',
  'Type-C to USB 3.0 adapter',
  'Wi-Fi 6 and Bluetooth 5.3',
  'Capacity 128 256 512 GB',
  'Voltage 220V, power 1500W, 3.7V 2000mAh',
  'Weight 1.5kg, 3.5mm jack, IPX7, 4K 60fps',
  'Default gateway 192.168.1.1',
  'Смартфон Xiaomi Redmi Note 13 Pro 8/256 ГБ, экран 6,67 дюйма, аккумулятор 5000 мАч, NFC',
  'هاتف سامسونج جالاكسي A54 ذاكرة 128 جيجا، شاشة 6.4 بوصة، بطارية 5000 مللي أمبير',
  // prices and quantities
  'Price: US$ 12.99',
  'R$ 1.299,90 em até 12x',
  'Цена 1 299 990 ₽',
  '₩1,290,000 무료배송',
  'Pack of 1000 pcs',
  'Lot of 10 20 50 100 pieces',
  '100% cotton',
  // dates, times, codes
  'Made in 2024',
  'Production date 2024-01-15, best before 15.01.2026',
  'Ships in 1-2 days, 24/7 support',
  'Open 9:00-18:00 Monday to Friday',
  'EAN 6901234567892',
  'UPC: 012345678905',
  'ISBN 978-7-111-12345-6',
  'Código de barras 7891234567895',
  'Serial S/N 1234 5678 9012',
  'Гарантия 12 месяцев, артикул 12345678',
  'Modèle 2024, référence 123 456 789',
  'Lote 2024 0315 001',
  'IEC 60335-2-29, GB 4706.1-2005',
  '一二三四五六七八九十 数字卡片',
  'un deux trois quatre cinq six sept',
  // messenger names as features
  'Supports WhatsApp, WeChat and Telegram apps',
  'HD webcam, works with Skype, Zoom and Teams',
  'Smartwatch with WhatsApp and Facebook notifications',
  'Notifications for WhatsApp/WeChat/Telegram',
  'Keep in touch with your family on WhatsApp and WeChat video calls with this 4K webcam.',
  'Share photos via WhatsApp in one tap',
  'Compatible con WhatsApp y Telegram',
  'Compatível com WhatsApp Web',
  'Камера для звонков в Skype',
  'واتساب ويب مدعوم',
  '카카오톡 알림 지원 스마트워치',
  '【高品质】加厚304不锈钢保温杯 500ml 12小时保温 支持微信支付',
  '支持微信小程序',
  'ins风北欧陶瓷花瓶',
  'QQ糖 软糖 500g',
  '遥控飞机 玩具 儿童',
  '附加飞机模型配件',
  'Ships from Seattle, WA US',
  'Add line breaks to the design',
  'Messenger bag with laptop sleeve',
  'Signal strength: -90 dBm, product line: premium',
  'Signal: 4G LTE',
  'WhatsApp account required',
  'Telegram: v10.2 or later',
  'Clothes line: 2x3m',
  'Add to cart. Line dry only.',
  // "contact us" pointing at the platform's own messages
  'If you have any problem, please contact us first, we will reply within 24 hours.',
  'If you have questions contact us, the phone supports WhatsApp',
  '如有问题请联系我们，我们会尽快处理',
  '如有问题请联系客服，支持微信支付',
  '请联系我司客服',
  'Entre em contato conosco em caso de dúvidas',
  'Si tiene alguna pregunta, contáctenos',
  'Pour toute question, contactez-nous',
  'تواصل معنا لأي استفسار',
  '궁금한 점은 문의 주세요',
  '배송 문의는 고객센터로, 카카오톡 알림 제공',
  // direct-sourcing claims that are not "buy from me directly"
  'Factory direct price, wholesale available',
  'Прямые поставки напрямую от производителя',
  'Доставка напрямую со склада',
  '산지 직거래 사과 5kg',
  // words and brand text that look like addresses
  'Made with love @ home',
  'Polka dot top, swiss dot net curtain',
  'XYZ Trading Co.Ltd, established 1998',
  'Material:Cotton.Net weight:200g',
  'ASP.NET Core in Action (book)',
  'e.g. Node.js and Vue.js projects',
  'Shop now. Top quality',
  'Made in China. Shipped from our warehouse in Guangzhou.',
];

describe('diversion detector: positives', () => {
  for (const [kind, cases] of Object.entries(POSITIVES)) {
    it.each(cases.map((c) => [c.language, c.text, c.hits] as const))(`${kind} [%s] %s`, (_language, text, hits) => {
      expect(scan(text)).toEqual(hits);
    });
  }

  it('has at least 8 examples per kind, each with a hit of that kind', () => {
    for (const [kind, cases] of Object.entries(POSITIVES)) {
      expect(cases.length, kind).toBeGreaterThanOrEqual(8);
      for (const example of cases) expect(example.hits.some(([hitKind]) => hitKind === kind), example.text).toBe(true);
    }
  });

  it('covers every platform language with at least 5 examples', () => {
    const perLanguage = new Map<string, number>();
    for (const cases of Object.values(POSITIVES)) for (const c of cases) perLanguage.set(c.language, (perLanguage.get(c.language) ?? 0) + 1);
    for (const language of rules.languages) expect(perLanguage.get(language) ?? 0, language).toBeGreaterThanOrEqual(5);
  });
});

describe('diversion detector: legitimate product text', () => {
  it('has at least 60 examples', () => {
    expect(LEGITIMATE.length).toBeGreaterThanOrEqual(60);
  });

  it.each(LEGITIMATE)('no hit: %s', (text) => {
    expect(scan(text)).toEqual([]);
  });
});

describe('diversion detector: reporting', () => {
  it('reports the field, the rule and the original span of every hit', () => {
    const hits = detector.scan([
      { path: '/title/en', text: 'Phone case for iPhone 15' },
      { path: '/description/zh', text: '加ＶＸ：ｓｈｏｐ８８８ 或 电话 +86 138 0013 8000' },
      { path: '/images/0/alt', text: 'See bestdeals dot com' },
    ]);
    expect(hits).toEqual([
      { kind: 'messenger', field: '/description/zh', matched: 'ＶＸ：ｓｈｏｐ８８８', rule: 'messenger.wechat' },
      { kind: 'phone', field: '/description/zh', matched: '+86 138 0013 8000', rule: 'phone.international' },
      { kind: 'url', field: '/images/0/alt', matched: 'bestdeals dot com', rule: 'url.domain.disguised' },
    ]);
  });

  it.each([
    ['Visit www.example.com', 'url.www'],
    ['https://example.com/x', 'url.scheme'],
    ['example.com', 'url.domain'],
    ['example(.)com', 'url.domain.disguised'],
    ['a@example.com', 'email.address'],
    ['a [at] example.com', 'email.disguised'],
    ['+86 138 0013 8000', 'phone.international'],
    ['13800138000', 'phone.national'],
    ['555-123-4567', 'phone.grouped'],
    ['Tel: 2837 4619', 'phone.with_cue'],
    ['one three eight zero zero one three eight zero zero zero', 'phone.words'],
    ['WhatsApp: shop_88', 'messenger.whatsapp'],
    ['w h a t s a p p', 'messenger.whatsapp.disguised'],
    ['v信', 'messenger.wechat.disguised'],
    ['t.me/shop', 'messenger.telegram.link'],
    ['contactez-moi', 'phrase.fr.contact_me'],
    ['加我', 'phrase.zh.add_me'],
  ])('names the rule: %s → %s', (text, rule) => {
    expect(detector.scan([{ path: '/x', text }]).map((hit) => hit.rule)).toEqual([rule]);
  });

  it('keeps combining marks and invisible characters inside the reported span', () => {
    expect(scan('Conta\u0301ctame ya')).toEqual([['contact_phrase', 'Conta\u0301ctame']]);
    expect(scan('What\u200Bs\u200BApp: +86 138 0013 8000')).toEqual([
      ['messenger', 'What\u200Bs\u200BApp'],
      ['phone', '+86 138 0013 8000'],
    ]);
  });

  it('reports nothing for empty fields and exposes the data version', () => {
    expect(detector.scan([{ path: '/x', text: '' }, { path: '/y', text: '   ' }])).toEqual([]);
    expect(detector.version).toBe(rules.version);
  });

  it('stays linear on long and adversarial text', () => {
    const texts = [
      'Material: TPU. Size: 14.6 x 7.1 x 0.8 cm. 尺寸：30×20cm 重量2.5kg. Размер 42. '.repeat(2000),
      'a.'.repeat(50_000),
      '1 '.repeat(50_000),
      'w h a t s '.repeat(10_000),
      'x dot '.repeat(20_000),
      'WhatsApp: +86 138 0013 8000, '.repeat(3000),
    ];
    const started = performance.now();
    for (const text of texts) detector.scan([{ path: '/x', text }]);
    // Around 100 ms on a laptop; the bound only catches a quadratic regression.
    expect(performance.now() - started).toBeLessThan(3000);
  });
});

describe('parseDiversionRules', () => {
  const shipped = () => JSON.parse(readFileSync(RULES_FILE, 'utf8')) as Record<string, any>;

  it('accepts the shipped rules', () => {
    expect(rules.version).toMatch(/\S/);
    expect(rules.published).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(rules.messengers.map((m) => m.id)).toEqual(expect.arrayContaining(['whatsapp', 'wechat', 'telegram', 'line', 'skype', 'qq']));
    expect(Object.keys(rules.contactPhrases).sort()).toEqual(['ar', 'en', 'es', 'fr', 'ko', 'pt', 'ru', 'zh']);
    expect(Object.keys(rules.numberWords).sort()).toEqual(['ar', 'en', 'es', 'fr', 'ko', 'pt', 'ru', 'zh']);
  });

  it.each([
    ['a missing version', (json: Record<string, any>) => delete json.version, /"version" is missing/],
    ['a bad published date', (json: Record<string, any>) => (json.published = '24.11.2026'), /"published" must be a date/],
    ['a pattern that does not compile', (json: Record<string, any>) => (json.contact_phrases.phrases.en[0].pattern = 'contact (me'), /contact_phrases\.phrases\.en\[0\]\.pattern" is not a valid regular expression/],
    ['a capturing group', (json: Record<string, any>) => (json.contact_phrases.phrases.en[0].pattern = 'contact (me|us)'), /must not contain capturing groups/],
    ['a number word that is not a digit', (json: Record<string, any>) => (json.number_words.en.ten = 10), /"number_words\.en\.ten" must be a digit/],
    ['a word with two digits', (json: Record<string, any>) => (json.number_words.pt.seis = 7), /folds to "seis", already 6/],
    ['a repeated messenger id', (json: Record<string, any>) => json.messengers.entries.push({ ...json.messengers.entries[0] }), /repeats whatsapp/],
    ['a language not listed', (json: Record<string, any>) => (json.contact_phrases.phrases.de = [{ id: 'x', pattern: 'kontaktieren sie mich' }]), /"contact_phrases\.phrases\.de" is not one of the listed languages/],
    ['an unanchored national pattern', (json: Record<string, any>) => (json.phone.national_patterns[0].pattern = '1[3-9]\\d{9}'), /must be anchored/],
    ['a domain ending with a dot', (json: Record<string, any>) => json.domains.bare_tlds.push('.com'), /domains\.bare_tlds\[\d+\]" must be a domain ending/],
  ])('refuses %s', (_what, change, message) => {
    const json = shipped();
    change(json);
    expect(() => parseDiversionRules(json)).toThrow(DiversionRulesError);
    expect(() => parseDiversionRules(json)).toThrow(message);
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadDiversionRulesFile(path.join(DATA_DIR, 'compliance', 'no-such-file.json'))).toThrow(/Cannot read diversion rules file .*no-such-file\.json/);
  });

  it('compiles rules edited by an operator, such as a new phrase', () => {
    const json = shipped();
    json.contact_phrases.phrases.en.push({ id: 'ring_me', pattern: 'ring me' });
    const edited = compileDiversionRules(parseDiversionRules(json));
    expect(edited.scan([{ path: '/x', text: 'Ring me tonight' }])).toEqual([{ kind: 'contact_phrase', field: '/x', matched: 'Ring me', rule: 'phrase.en.ring_me' }]);
  });
});
