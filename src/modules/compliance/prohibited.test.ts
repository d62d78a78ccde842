import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_DIR } from '../../platform/paths.ts';
import {
  ProhibitedListError,
  appliesIn,
  compileProhibitedList,
  loadProhibitedListFile,
  parseProhibitedList,
  type ProhibitedHit,
} from './prohibited.ts';

const LIST_FILE = path.join(DATA_DIR, 'compliance', 'prohibited-items.json');
const list = loadProhibitedListFile(LIST_FILE);
const matcher = compileProhibitedList(list);

const scan = (text: string, hsCode?: string): ProhibitedHit[] => matcher.scan([{ path: '/titles/x', text }], hsCode);
const itemsHit = (text: string): string[] => [...new Set(scan(text).map((hit) => hit.itemId))].sort();

const LANGUAGES = ['en', 'zh', 'es', 'fr', 'ru', 'pt', 'ar', 'ko'];

const EU = ['AT', 'BE', 'BG', 'CY', 'CZ', 'DE', 'DK', 'EE', 'ES', 'FI', 'FR', 'GR', 'HR', 'HU', 'IE', 'IT', 'LT', 'LU', 'LV', 'MT', 'NL', 'PL', 'PT', 'RO', 'SE', 'SI', 'SK'];
const MARKET_GROUPS = { EU };
const MARKETS = [...EU, 'BR', 'GB', 'KR', 'RU', 'SA', 'US'];

const CATEGORY_CODES = [
  'firearms',
  'explosives',
  'weapons',
  'police_military',
  'narcotics',
  'medicines',
  'counterfeit',
  'adult_hate_terror',
  'wildlife',
  'tobacco',
  'alcohol',
  'currency_documents',
  'stolen_goods',
  'gambling',
  'surveillance',
  'hacking',
  'recalled',
];

/** A listing sentence per language with the keyword where a seller would put the product name. */
const SENTENCES: Record<string, (keyword: string) => string> = {
  en: (keyword) => `Brand new ${keyword} in stock, fast worldwide shipping.`,
  zh: (keyword) => `全新${keyword}现货出售，全国包邮。`,
  es: (keyword) => `Vendo ${keyword} nuevo, envío rápido a todo el país.`,
  fr: (keyword) => `Vends ${keyword} neuf, livraison rapide partout en France.`,
  ru: (keyword) => `Продаю ${keyword} новый, быстрая доставка по всей стране.`,
  pt: (keyword) => `Vendo ${keyword} novo, envio rápido para todo o Brasil.`,
  ar: (keyword) => `للبيع ${keyword} جديد مع شحن سريع لجميع المدن.`,
  ko: (keyword) => `새 ${keyword} 판매합니다, 전국 빠른 배송.`,
};

/** The seller's words a hit should report: the keyword without the punctuation around it. */
const trimmed = (keyword: string) => keyword.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '');

describe('the shipped list', () => {
  it('has the published 17 categories and 327 items', () => {
    expect(list.categories.map((category) => category.code)).toEqual(CATEGORY_CODES);
    expect(list.items).toHaveLength(327);
    const sizes = CATEGORY_CODES.map((code) => list.items.filter((item) => item.categoryCode === code).length);
    expect(sizes.every((size) => size > 0)).toBe(true);
    expect(sizes.reduce((sum, size) => sum + size, 0)).toBe(327);
  });

  it('gives every item a unique id, and names and keywords in all eight languages', () => {
    expect(list.languages).toEqual(LANGUAGES);
    expect(new Set(list.items.map((item) => item.id)).size).toBe(list.items.length);
    for (const item of list.items) {
      for (const language of LANGUAGES) {
        expect(item.names[language], `${item.id} name ${language}`).toBeTruthy();
        expect(item.keywords[language]?.length, `${item.id} keywords ${language}`).toBeGreaterThan(0);
      }
    }
    for (const category of list.categories) {
      for (const language of LANGUAGES) expect(category.names[language], `${category.code} ${language}`).toBeTruthy();
    }
  });

  it('says what lifts every restriction', () => {
    const restricted = list.items.filter((item) => item.action === 'restrict');
    expect(restricted.length).toBeGreaterThan(30);
    for (const item of restricted) expect(item.licence, item.id).toBeTruthy();
    for (const item of list.items.filter((entry) => entry.action === 'prohibit')) expect(item.licence, item.id).toBeUndefined();
  });

  it('names only markets and groups the platform sells to, and HS prefixes of 4–6 digits', () => {
    const known = new Set(['*', ...MARKETS, ...Object.keys(MARKET_GROUPS)]);
    for (const item of list.items) {
      for (const jurisdiction of item.jurisdictions) expect(known.has(jurisdiction.replace(/^!/, '')), `${item.id}: ${jurisdiction}`).toBe(true);
      for (const code of item.hsCodes) expect(code, item.id).toMatch(/^\d{4,6}$/);
    }
  });

  it('covers every market for the items it splits by jurisdiction', () => {
    // An item pair such as alcohol (restrict outside SA) and alcohol_sa (prohibit in SA) must not
    // leave a market with neither rule.
    const pairs: [string, string][] = [
      ['alcohol.spirits', 'alcohol.alcohol_sa'],
      ['tobacco.ecig', 'tobacco.ecig_br'],
      ['tobacco.snus', 'tobacco.snus_eu'],
      ['narcotics.cbd', 'narcotics.cbd_banned'],
      ['weapons.pepper_spray', 'weapons.pepper_spray_gb'],
      ['explosives.precursors', 'explosives.precursors_eu_gb'],
    ];
    const byId = new Map(list.items.map((item) => [item.id, item]));
    for (const [a, b] of pairs) {
      for (const market of MARKETS) {
        const covering = [a, b].filter((id) => appliesIn(byId.get(id) as { jurisdictions: string[] }, market, MARKET_GROUPS));
        expect(covering, `${a} / ${b} in ${market}`).toHaveLength(1);
      }
    }
  });
});

describe('a prohibited item is refused in every language of the list', () => {
  it.each(CATEGORY_CODES)('%s: the first keyword of each language, inside a sentence of that language', (code) => {
    const failures: string[] = [];
    for (const item of list.items.filter((entry) => entry.categoryCode === code)) {
      for (const language of LANGUAGES) {
        const keyword = item.keywords[language]?.[0] as string;
        const sentence = (SENTENCES[language] as (keyword: string) => string)(keyword);
        const hit = scan(sentence).find((candidate) => candidate.itemId === item.id);
        if (!hit) failures.push(`${item.id} [${language}] not found in: ${sentence}`);
        else if (hit.matched !== trimmed(keyword)) failures.push(`${item.id} [${language}] reported "${hit.matched}" for "${keyword}"`);
        else if (hit.action !== item.action) failures.push(`${item.id} [${language}] reported ${hit.action}`);
        // The same word can be a keyword in several languages ("pistola"); the hit names the first.
        else if (!item.keywords[hit.language]?.includes(hit.keyword)) failures.push(`${item.id} [${language}] reported ${hit.language} ${hit.keyword}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('finds every keyword of every item on its own', () => {
    const failures: string[] = [];
    for (const item of list.items) {
      for (const [language, keywords] of Object.entries(item.keywords)) {
        for (const keyword of keywords) {
          if (!scan(keyword).some((hit) => hit.itemId === item.id)) failures.push(`${item.id} [${language}] ${keyword}`);
        }
      }
    }
    expect(failures).toEqual([]);
  });

  it('reports the field and the seller’s own words', () => {
    const hits = matcher.scan([
      { path: '/titles/en', text: 'Vintage leather holster' },
      { path: '/descriptions/es', text: 'Incluye dos PISTOLAS de colección.' },
    ]);
    expect(hits).toEqual([
      expect.objectContaining({ itemId: 'firearms.handgun', field: '/descriptions/es', matched: 'PISTOLAS', keyword: 'pistola', language: 'es', action: 'prohibit' }),
    ]);
  });
});

describe('evasion tricks', () => {
  it.each([
    ['letters spaced out', 'Selling a h a n d g u n today', 'firearms.handgun', 'h a n d g u n'],
    ['letters dotted', 'Selling a H.A.N.D.G.U.N today', 'firearms.handgun', 'H.A.N.D.G.U.N'],
    ['hyphenated compound', 'compact hand-gun with case', 'firearms.handgun', 'hand-gun'],
    ['compound written apart', 'compact hand gun with case', 'firearms.handgun', 'hand gun'],
    ['compound written solid', 'Brass knuckleduster, heavy', 'weapons.knuckle_dusters', 'knuckleduster'],
    ['full-width letters', 'ＨＡＮＤＧＵＮ　セット', 'firearms.handgun', 'ＨＡＮＤＧＵＮ'],
    ['zero-width joiner', 'hand\u200dgun in box', 'firearms.handgun', 'hand\u200dgun'],
    ['zero-width space', 'pis\u200btol for sale', 'firearms.handgun', 'pis\u200btol'],
    ['soft hyphen', 'pis\u00adtol for sale', 'firearms.handgun', 'pis\u00adtol'],
    ['upper case', 'CHEAP BUTTERFLY KNIFE', 'weapons.butterfly_knife', 'BUTTERFLY KNIFE'],
    ['accents added', 'Rèvólvér .38 special', 'firearms.handgun', 'Rèvólvér'],
    ['accents dropped', 'cocaina pura', 'narcotics.cocaine', 'cocaina'],
    ['English plural', 'two handguns', 'firearms.handgun', 'handguns'],
    ['English f to ves', 'set of butterfly knives', 'weapons.butterfly_knife', 'butterfly knives'],
    ['Spanish plural', 'Pistolas de colección', 'firearms.handgun', 'Pistolas'],
    ['French plural on both words', 'Lot de couteaux papillons', 'weapons.butterfly_knife', 'couteaux papillons'],
    ['Portuguese ão to ões', 'dois oitões novos', 'firearms.firearm', 'oitões'],
    ['Portuguese plural in a phrase', 'Armas de fogo à venda', 'firearms.firearm', 'Armas de fogo'],
    ['Russian instrumental plural', 'торгую пистолетами', 'firearms.handgun', 'пистолетами'],
    ['Russian adjective and noun declined', 'два травматического пистолета', 'firearms.handgun', 'пистолета'],
    ['Russian compound declined', 'ножи-бабочки оптом', 'weapons.butterfly_knife', 'ножи-бабочки'],
    ['Russian letters spaced out', 'продаю п и с т о л е т', 'firearms.handgun', 'п и с т о л е т'],
    ['Arabic article and plural', 'بيع المسدسات', 'firearms.handgun', 'مسدسات'],
    ['Arabic harakat', 'مُسَدَّس للبيع', 'firearms.handgun', 'مُسَدَّس'],
    ['Arabic tatweel', 'مسـدس للبيع', 'firearms.handgun', 'مسـدس'],
    ['Arabic bare alef for hamza', 'افيون للبيع', 'narcotics.heroin_opium', 'افيون'],
    ['Arabic haa for taa marbuta', 'قنبله يدويه', 'explosives.military_ordnance', 'قنبله يدويه'],
    ['Arabic alef maqsura for yaa', 'ويسكى اسكتلندي', 'alcohol.spirits', 'ويسكى'],
    ['Korean particle', '권총을 팝니다', 'firearms.handgun', '권총을'],
    ['Korean compound written solid', '전자담배액상 도매', 'tobacco.ecig', '전자담배'],
    ['Chinese without spaces', '出售仿真枪金属模型', 'firearms.airsoft_replica', '仿真枪'],
    ['Traditional Chinese', '出售手槍', 'firearms.handgun', '手槍'],
    ['Chinese with spaces inside', '出售 手 枪', 'firearms.handgun', '手 枪'],
    ['Korean compound written apart', '전자 담배 액상', 'tobacco.ecig', '전자 담배'],
    ['another language’s keyword', 'Brand new pistola for sale', 'firearms.handgun', 'pistola'],
  ])('%s', (_trick, text, itemId, matched) => {
    const hit = scan(text).find((candidate) => candidate.itemId === itemId);
    expect(hit, text).toBeDefined();
    expect(hit?.matched).toBe(matched);
  });

  it('keeps word boundaries in scripts that use spaces', () => {
    expect(itemsHit('The show has begun')).toEqual([]);
    expect(itemsHit('Burgundy scarf for women')).toEqual([]);
    expect(itemsHit('Vintage gunsmith apron')).toEqual([]);
    expect(itemsHit('Wine Red lipstick shade')).toEqual([]);
    expect(itemsHit('shotgun')).toEqual(['firearms.shotgun']);
  });

  it('does not read loose letters as a spelt-out short keyword', () => {
    expect(itemsHit('Bra size L S D cup')).toEqual([]);
    expect(itemsHit('lsd')).toEqual(['narcotics.lsd']);
  });

  it('does not join two real words into a keyword', () => {
    // Without separators these read "heroin" and "shotgun"; written as two words they are words.
    expect(itemsHit('Hero In Training T-Shirt for kids')).toEqual([]);
    expect(itemsHit('Espresso shot cup')).toEqual([]);
    expect(itemsHit('shot gun')).not.toContain('firearms.shotgun');
  });

  it('needs the right stem and ending, not just a shared beginning', () => {
    expect(itemsHit('Героиня романа, книга')).toEqual([]);
    expect(itemsHit('героин')).toEqual(['narcotics.heroin_opium']);
    expect(itemsHit('마약베개 경추 베개')).toEqual([]);
    expect(itemsHit('대마도 여행')).toEqual([]);
  });
});

describe('ordinary products', () => {
  it.each([
    // kitchen, tools and outdoor: blades and "guns" that are legitimately sold
    'Professional Kitchen Knife Set 8 Pieces Stainless Steel with Block',
    'Hunting Knife Fixed Blade with Leather Sheath',
    'Knife Sharpener 3-Stage Kitchen Sharpening Tool',
    'Hot Glue Gun 60W with 30 Glue Sticks for DIY Crafts',
    'Heat Gun 2000W Hot Air Gun for Shrink Wrap',
    'Cordless Nail Gun Brad Nailer 18 Gauge',
    'Massage Gun Deep Tissue Percussion Muscle Massager',
    'Paint Spray Gun HVLP 800W for Walls',
    'Pistol Grip Garden Hose Nozzle Heavy Duty',
    'Kids Water Gun Super Soaker 2 Pack Summer Pool Toy',
    'Weed Killer Sprayer 5L Garden Pump',
    'Rifle Scope 3-9x40 with Mounts',
    'Gun Cleaning Kit Universal',
    'Ammo Can Metal Storage Box Waterproof',
    'Shotgun Microphone for DSLR Camera Video',
    'Motorcycle Exhaust Silencer Stainless 51mm',
    'Surge Suppressor Power Strip 6 Outlets',
    'Camping Stove Portable Butane Canister Not Included',
    // words that contain or resemble a keyword
    'Bullet Journal Dotted Notebook A5 Hardcover',
    'Bullet Point Sticky Notes Pack',
    'Gunmetal Grey Men\'s Watch Stainless Steel',
    'Guns N\' Roses Vintage T-Shirt Black',
    'BTS Dynamite Album Official Poster',
    'Party Poppers Confetti Cannon for Weddings',
    'Shabu Shabu Hot Pot with Divider',
    'Black Opium Eau de Parfum 90ml',
    'Cannabis Sativa Seed Oil Face Serum',
    'Magic Mushroom Night Light Cute Lamp',
    'Non-Asbestos Ceramic Brake Pads Front Set',
    'Mercury-free Digital Thermometer for Babies',
    'Citroen C4 Floor Mats Rubber',
    'Rape Seed Oil Cold Pressed 1L',
    'Keta Salmon Fillets Wild Caught 1kg',
    'Mead Composition Notebook Wide Ruled',
    'Hero In Training T-Shirt for Kids',
    'Cigar Box Guitar Kit 3 String',
    'Poker Table Cover Felt 8 Player',
    // drinkware and colours named after drinks
    'Shot Glasses Set of 6 Crystal 2oz',
    'Crystal Wine Decanter with Aerator 1.8L',
    'Red Wine Glasses Set of 4, Lead-Free Crystal',
    'Beer Mug 500ml Frosted Glass with Handle',
    'Whiskey Stones Gift Set with Glasses',
    'Champagne Gold Sequin Dress',
    'Cognac Leather Belt for Men',
    'Ivory Lace Wedding Dress Sweetheart Neckline',
    'Matte Liquid Lipstick Long Lasting, Wine Red shade',
    // everyday verticals
    'Shockproof Phone Case for iPhone 15 Pro Clear',
    'LED Desk Lamp with Wireless Charger, Dimmable',
    'Retractable Dog Leash 5m for Medium Dogs',
    'All Weather Car Floor Mats for Toyota Corolla 2020',
    '925 Sterling Silver Necklace with Heart Pendant',
    'Ozempic Pen Travel Case Insulated Cooler',
    'Contact Lens Case Kit with Tweezers',
    'Hair Botox Treatment Keratin 1L',
    'Poker Chips Set 500 Pieces with Case',
    'Halloween Costume Police Officer for Kids',
    // other languages
    '不锈钢厨房刀具套装 家用切菜刀',
    '热熔胶枪 家用手工胶棒',
    '子弹杯 烈酒杯 一口杯 6只装',
    '大麻袋 编织袋 搬家打包',
    '特大麻将牌 手搓家用',
    '高仿真花 客厅摆件',
    '四件套 全棉 床单被套',
    '手机枪战 游戏手柄 吃鸡神器',
    '喷笔枪 模型上色',
    '非处方药 感冒 家庭常备',
    '达菲熊 毛绒公仔',
    '大力补水面膜 保湿',
    'Pistola de silicona caliente con barras de pegamento',
    'Copas de vino tinto cristal set de 6',
    'Pistola de massagem muscular profissional',
    'Capa para botijão de gás de cozinha',
    'Pistolet à colle chaude avec 20 bâtons',
    'Fusil à aiguiser en acier pour couteaux de cuisine',
    'Jus de grenade bio 1L',
    'Huile de ricin bio pour cheveux 100 ml',
    'Клеевой пистолет с набором стержней',
    'Обложка на военный билет кожаная',
    'Серьги с гранатом серебро',
    'Книга Пушкин лирика сборник стихов',
    'مسدس شمع حراري للأعمال اليدوية',
    'قلم رصاص خشبي للرسم 12 قطعة',
    'فستان خمري سهرة',
    'بيرة بدون كحول شعير',
    '와인잔 세트 크리스탈',
    '총알배송 당일 출고 무선 이어폰',
    '마약김밥 밀키트',
    '저소음 기계식 키보드',
    '박테리아 제거 스프레이',
    '카페테리아 의자 4개 세트',
    '방탄소년단 굿즈 응원봉',
  ])('%s', (title) => {
    expect(scan(title)).toEqual([]);
  });
});

describe('exclusions', () => {
  it('suppress a keyword inside the exclusion phrase, inflected or not', () => {
    expect(itemsHit('Hot glue gun with 30 sticks')).toEqual([]);
    expect(itemsHit('Water pistols for kids, 2 pack')).toEqual([]);
    expect(itemsHit('Pistolet à eau pour enfants')).toEqual([]);
    expect(itemsHit('водяные пистолеты для детей')).toEqual([]);
  });

  it('leave the same keyword elsewhere in the text alone', () => {
    const hits = scan('Glue gun included. Also selling a real gun.').filter((hit) => hit.itemId === 'firearms.firearm');
    expect(hits.map((hit) => hit.matched)).toEqual(['real gun']);
  });

  it('work in scripts without spaces', () => {
    expect(itemsHit('大麻袋 编织袋')).toEqual([]);
    expect(itemsHit('大麻 出售')).toEqual(['narcotics.cannabis']);
    expect(itemsHit('吹尘气枪 除尘')).toEqual([]);
    expect(itemsHit('PCP气枪 出售')).toContain('firearms.air_gun');
  });
});

describe('HS codes', () => {
  it('match a product classified under a listed heading, however the code is written', () => {
    for (const hsCode of ['9302', '930200', '9302.00', '9302 00 00 10']) {
      expect(matcher.scan([], hsCode), hsCode).toEqual([
        { itemId: 'firearms.handgun', categoryCode: 'firearms', action: 'prohibit', field: 'hsCode', matched: hsCode, keyword: '9302', language: 'hs', jurisdictions: ['*'] },
      ]);
    }
  });

  it('report every item listing the heading, with its jurisdictions', () => {
    const hits = matcher.scan([{ path: '/titles/en', text: 'Craft beer 24 x 330ml' }], '2203.00');
    expect(hits.filter((hit) => hit.field === 'hsCode').map((hit) => hit.itemId).sort()).toEqual(['alcohol.alcohol_sa', 'alcohol.beer']);
    expect(hits.some((hit) => hit.field === '/titles/en')).toBe(true);
  });

  it('do not match unrelated or too short codes', () => {
    expect(matcher.scan([], '8516.60')).toEqual([]);
    expect(matcher.scan([], '93')).toEqual([]);
  });
});

describe('appliesIn', () => {
  it.each([
    [['*'], 'US', true],
    [['EU'], 'DE', true],
    [['EU'], 'US', false],
    [['SA'], 'SA', true],
    [['SA'], 'GB', false],
    [['*', '!SA'], 'SA', false],
    [['*', '!SA'], 'BR', true],
    [['*', '!EU', 'SE'], 'SE', true],
    [['*', '!EU', 'SE'], 'DE', false],
    [['*', '!EU', 'SE'], 'US', true],
    [['EU', '!SE'], 'SE', false],
    [['EU', '!SE'], 'FR', true],
    [['!SA'], 'US', false],
    [['EU', '!EU'], 'DE', false],
  ] as [string[], string, boolean][])('%j in %s is %s', (jurisdictions, market, expected) => {
    expect(appliesIn({ jurisdictions }, market, MARKET_GROUPS)).toBe(expected);
  });

  it('decides alcohol per market: restricted with a licence, prohibited in Saudi Arabia', () => {
    const hits = scan('Scotch whisky 12 years 700ml');
    const inSaudiArabia = hits.filter((hit) => appliesIn(hit, 'SA', MARKET_GROUPS));
    const inGermany = hits.filter((hit) => appliesIn(hit, 'DE', MARKET_GROUPS));
    expect(inSaudiArabia.map((hit) => [hit.itemId, hit.action])).toEqual([['alcohol.alcohol_sa', 'prohibit']]);
    expect(inGermany.map((hit) => [hit.itemId, hit.action])).toEqual([['alcohol.spirits', 'restrict']]);
    expect(inGermany[0]?.licence).toMatch(/licence/);
  });

  it('decides e-cigarettes and snus per market', () => {
    const vape = scan('Disposable vape 5000 puffs');
    expect(vape.filter((hit) => appliesIn(hit, 'BR', MARKET_GROUPS)).map((hit) => hit.action)).toEqual(['prohibit']);
    expect(vape.filter((hit) => appliesIn(hit, 'FR', MARKET_GROUPS)).map((hit) => hit.action)).toEqual(['restrict']);
    const snus = scan('Swedish snus, 20 portions');
    expect(snus.filter((hit) => appliesIn(hit, 'DE', MARKET_GROUPS)).map((hit) => hit.itemId)).toEqual(['tobacco.snus_eu']);
    expect(snus.filter((hit) => appliesIn(hit, 'SE', MARKET_GROUPS)).map((hit) => hit.itemId)).toEqual(['tobacco.snus']);
    expect(snus.filter((hit) => appliesIn(hit, 'US', MARKET_GROUPS)).map((hit) => hit.itemId)).toEqual(['tobacco.snus']);
  });

  it('applies market-specific bans only there', () => {
    const bumper = scan('Padded crib bumper, 4 pieces');
    expect(bumper.map((hit) => hit.itemId)).toEqual(['recalled.crib_bumpers']);
    expect(appliesIn(bumper[0] as ProhibitedHit, 'US', MARKET_GROUPS)).toBe(true);
    expect(appliesIn(bumper[0] as ProhibitedHit, 'DE', MARKET_GROUPS)).toBe(false);
  });
});

describe('parseProhibitedList', () => {
  const names = Object.fromEntries(LANGUAGES.map((language) => [language, 'x']));
  const validItem = () => ({
    id: 'firearms.handgun',
    names,
    keywords: Object.fromEntries(LANGUAGES.map((language) => [language, ['handgun']])),
    jurisdictions: ['*'],
    action: 'prohibit',
  });
  const document = (item: Record<string, unknown>) => ({
    version: '1',
    published: '2026-11-24',
    languages: LANGUAGES,
    categories: [{ code: 'firearms', names, items: [item] }],
  });

  it('accepts a minimal list and flattens it', () => {
    const parsed = parseProhibitedList(document(validItem()));
    expect(parsed.items).toEqual([
      { id: 'firearms.handgun', categoryCode: 'firearms', names, keywords: expect.any(Object), exclusions: {}, hsCodes: [], jurisdictions: ['*'], action: 'prohibit' },
    ]);
  });

  it.each([
    ['a missing language', { keywords: { en: ['handgun'] } }, 'categories[0] (firearms).items[0] (firearms.handgun).keywords.zh must be a non-empty array of phrases'],
    ['an unknown language', { exclusions: { de: ['wasserpistole'] } }, 'categories[0] (firearms).items[0] (firearms.handgun).exclusions.de is not one of the list\'s languages'],
    ['a keyword too short to match safely', { keywords: { ...validItem().keywords, en: ['g'] } }, 'items[0] (firearms.handgun).keywords.en[0] is too short to match safely ("g")'],
    ['a keyword without letters', { keywords: { ...validItem().keywords, ko: ['---'] } }, 'items[0] (firearms.handgun).keywords.ko[0] has no letters or digits'],
    ['a repeated keyword', { keywords: { ...validItem().keywords, fr: ['pistolet', 'Pistolet'] } }, 'keywords.fr[1] repeats "Pistolet"'],
    ['a restriction without a licence', { action: 'restrict' }, 'items[0] (firearms.handgun).licence must be a non-empty string'],
    ['a licence on a prohibition', { licence: 'none' }, 'items[0] (firearms.handgun).licence is only for restricted items'],
    ['a bad action', { action: 'ban' }, 'items[0] (firearms.handgun).action must be "prohibit" or "restrict"'],
    ['a bad jurisdiction', { jurisdictions: ['Saudi'] }, 'items[0] (firearms.handgun).jurisdictions[0] must be "*", a market or group code'],
    ['only exclusions of markets', { jurisdictions: ['!SA'] }, 'items[0] (firearms.handgun).jurisdictions only takes markets out'],
    ['a bad HS code', { hs_codes: ['93'] }, 'items[0] (firearms.handgun).hs_codes[0] must be 4–6 digits'],
    ['an id outside its category', { id: 'weapons.knife' }, 'categories[0] (firearms).items[0].id must be "firearms." followed by a lower-case name'],
  ])('names the place of %s', (_case, change, message) => {
    expect(() => parseProhibitedList(document({ ...validItem(), ...change }))).toThrow(message);
  });

  it('names a repeated id with where it first appeared', () => {
    const json = document(validItem());
    json.categories[0]?.items.push(validItem());
    expect(() => parseProhibitedList(json)).toThrow('categories[0] (firearms).items[1].id repeats firearms.handgun, already at categories[0] (firearms).items[0]');
  });

  it('checks the header', () => {
    expect(() => parseProhibitedList({ ...document(validItem()), published: '24/11/2026' })).toThrow('published must be a date YYYY-MM-DD');
    expect(() => parseProhibitedList({ ...document(validItem()), languages: ['en', 'en'] })).toThrow('languages lists a language twice');
    expect(() => parseProhibitedList([])).toThrow(ProhibitedListError);
  });

  it('says which file could not be read', () => {
    expect(() => loadProhibitedListFile('/nonexistent/prohibited.json')).toThrow('/nonexistent/prohibited.json');
  });
});
