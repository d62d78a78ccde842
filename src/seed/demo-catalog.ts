import type { App } from '../app.ts';
import type { Caller } from '../modules/identity/index.ts';
import type { ProductInput } from '../modules/catalog/index.ts';
import type { NewShipment } from '../modules/logistics/index.ts';

/**
 * Demo catalogues for the demo sellers whose stores are open: products in several categories and
 * languages, most of them compliant, and the two mistakes new stores make most — an LED lamp
 * without its CE certificate (delisted in the EU) and a WhatsApp number in a description
 * (throttled). Every name, number and address is invented.
 */
const image = (name: string) => `https://images.caravan.example/demo/${name}.jpg`;

const lumenManufacturer = { name: 'Foshan Lumen Lighting Co., Ltd.', address: '8 Lighting Road, Chancheng, Foshan, Guangdong, China', email: 'safety@lumen.example', country: 'CN' };
const lumenEuRep = { name: 'Lumen Europe B.V.', address: 'Keizersgracht 1, 1015 Amsterdam, Netherlands', email: 'eu-rp@lumen.example', country: 'NL' };
const lampWarnings = { en: 'Switch off the mains before fitting. Not for use with dimmers.', es: 'Desconecte la red antes de instalar. No apta para reguladores.', fr: 'Coupez le courant avant l’installation. Non compatible avec les variateurs.' };

const LUMEN: { product: ProductInput; certificate?: boolean }[] = [
  {
    certificate: true,
    product: {
      seller_ref: 'LUMEN-A60',
      category: 'lighting.bulbs.led_bulbs',
      main_language: 'zh',
      titles: { zh: 'LED 灯泡 A60 9W 暖白光', en: 'LED bulb A60 9 W warm white', es: 'Bombilla LED A60 9 W blanco cálido', fr: 'Ampoule LED A60 9 W blanc chaud' },
      descriptions: { en: '806 lumen, 25,000-hour lifetime, replaces a 60 W bulb.', es: '806 lúmenes, 25.000 horas de vida, sustituye a una bombilla de 60 W.', fr: '806 lumens, 25 000 heures de durée de vie, remplace une ampoule de 60 W.' },
      attributes: { wattage_w: 9, luminous_flux_lm: 806, dimmable: false },
      images: [image('lumen-a60-1'), image('lumen-a60-2')],
      brand: 'Lumen Home',
      model: 'LH-A60-9W',
      manufacturer: lumenManufacturer,
      eu_responsible_person: lumenEuRep,
      warnings: lampWarnings,
      hs_code: '853952',
      markets: ['ES', 'FR', 'GB'],
      skus: [
        { seller_sku: 'LH-A60-9W-E27-WW', variant: { light_colour: 'warm_white', lamp_base: 'e27' }, price: { amount: 1290, currency: 'CNY' }, weight_grams: 60, package_mm: { length: 120, width: 65, height: 65 }, stock: 1200 },
        { seller_sku: 'LH-A60-9W-E14-CW', variant: { light_colour: 'cool_white', lamp_base: 'e14' }, price: { amount: 1290, currency: 'CNY' }, weight_grams: 55, stock: 800 },
      ],
    },
  },
  {
    // The lamp whose CE declaration was never filed: delisted in ES and FR until it is.
    product: {
      seller_ref: 'LUMEN-DESK-01',
      category: 'lighting.indoor.table_lamps',
      main_language: 'zh',
      titles: { zh: '北欧风 LED 台灯', en: 'Nordic LED desk lamp', es: 'Lámpara de escritorio LED nórdica', fr: 'Lampe de bureau LED nordique' },
      descriptions: { en: 'Oak base, linen shade, warm light for reading.', es: 'Base de roble, pantalla de lino.', fr: 'Pied en chêne, abat-jour en lin.' },
      attributes: { wattage_w: 7 },
      images: [image('lumen-desk-1')],
      brand: 'Lumen Home',
      model: 'LH-DESK-01',
      manufacturer: lumenManufacturer,
      eu_responsible_person: lumenEuRep,
      warnings: lampWarnings,
      hs_code: '940520',
      markets: ['ES', 'FR'],
      skus: [{ seller_sku: 'LH-DESK-01-EU', variant: { light_colour: 'warm_white', plug_type: 'type_c_f' }, price: { amount: 8900, currency: 'CNY' }, weight_grams: 1400, stock: 120 }],
    },
  },
];

const XINGHE: ProductInput[] = [
  {
    seller_ref: 'XH-CASE-IP15',
    category: 'phones.cases_covers.back_cases',
    main_language: 'zh',
    titles: { zh: 'iPhone 15 透明防摔手机壳', en: 'Clear shockproof case for iPhone 15', es: 'Funda transparente antigolpes para iPhone 15', fr: 'Coque transparente antichoc pour iPhone 15', pt: 'Capa transparente à prova de choque para iPhone 15', ru: 'Прозрачный противоударный чехол для iPhone 15', ar: 'غطاء شفاف مقاوم للصدمات لهاتف iPhone 15' },
    descriptions: { en: 'Raised edges protect the camera; wireless charging works through it.', pt: 'Bordas elevadas protegem a câmera.' },
    attributes: { compatible_brand: 'apple', material: 'tpu' },
    images: [image('xh-case-1'), image('xh-case-2'), image('xh-case-3')],
    brand: 'Xinghe',
    model: 'XH-C15',
    manufacturer: { name: 'Shenzhen Xinghe Electronics Co., Ltd.', address: '88 Keyuan South Road, Nanshan, Shenzhen, China', email: 'service@xinghe.example', country: 'CN' },
    eu_responsible_person: { name: 'Xinghe EU Services S.L.', address: 'Calle Mayor 1, 28013 Madrid, Spain', email: 'eu@xinghe.example', country: 'ES' },
    hs_code: '392690',
    markets: ['ES', 'FR', 'BR', 'RU', 'SA'],
    skus: [
      { seller_sku: 'XH-C15-CLR', variant: { compatible_model: 'iPhone 15', colour: 'white' }, price: { amount: 1990, currency: 'CNY' }, weight_grams: 30, stock: 5000 },
      { seller_sku: 'XH-C15-BLK', variant: { compatible_model: 'iPhone 15', colour: 'black' }, price: { amount: 1990, currency: 'CNY' }, weight_grams: 30, stock: 3000 },
    ],
  },
  {
    // Steers buyers to WhatsApp: throttled in every market until the number goes.
    seller_ref: 'XH-CASE-S24',
    category: 'phones.cases_covers.flip_wallet_cases',
    main_language: 'es',
    titles: { es: 'Funda cartera de cuero para Samsung S24', en: 'Leather wallet case for Samsung S24' },
    descriptions: { es: 'Cuero PU, tres ranuras para tarjetas. Para pedidos al por mayor escríbenos por WhatsApp +86 138 0013 8000.' },
    attributes: { compatible_brand: 'samsung', material: 'pu_leather' },
    images: [image('xh-wallet-1')],
    brand: 'Xinghe',
    model: 'XH-W24',
    manufacturer: { name: 'Shenzhen Xinghe Electronics Co., Ltd.', address: '88 Keyuan South Road, Nanshan, Shenzhen, China', email: 'service@xinghe.example', country: 'CN' },
    eu_responsible_person: { name: 'Xinghe EU Services S.L.', address: 'Calle Mayor 1, 28013 Madrid, Spain', email: 'eu@xinghe.example', country: 'ES' },
    hs_code: '420232',
    markets: ['ES', 'FR'],
    skus: [{ seller_sku: 'XH-W24-BRN', variant: { compatible_model: 'Galaxy S24', colour: 'brown' }, price: { amount: 3900, currency: 'CNY' }, weight_grams: 80, stock: 900 }],
  },
  {
    seller_ref: 'XH-TEE-BASIC',
    category: 'apparel.mens.tshirts',
    main_language: 'zh',
    titles: { zh: '男士纯棉圆领T恤', en: 'Men’s cotton crew-neck T-shirt', es: 'Camiseta de algodón de cuello redondo para hombre', fr: 'T-shirt col rond en coton pour homme', ru: 'Мужская хлопковая футболка', pt: 'Camiseta masculina de algodão', ko: '남성 면 라운드넥 티셔츠' },
    attributes: { fibre_composition: '100% cotton' },
    images: [image('xh-tee-1')],
    brand: 'Xinghe Basics',
    model: 'XB-TEE',
    manufacturer: { name: 'Shenzhen Xinghe Electronics Co., Ltd.', address: '88 Keyuan South Road, Nanshan, Shenzhen, China', email: 'service@xinghe.example', country: 'CN' },
    eu_responsible_person: { name: 'Xinghe EU Services S.L.', address: 'Calle Mayor 1, 28013 Madrid, Spain', email: 'eu@xinghe.example', country: 'ES' },
    hs_code: '610910',
    markets: ['ES', 'FR', 'RU', 'BR', 'KR'],
    skus: ['s', 'm', 'l', 'xl'].flatMap((size) =>
      (['black', 'white'] as const).map((colour) => ({ seller_sku: `XB-TEE-${colour.toUpperCase()}-${size.toUpperCase()}`, variant: { colour, size }, price: { amount: 3500, currency: 'CNY' }, weight_grams: 180, stock: 400 })),
    ),
  },
  {
    seller_ref: 'XH-LEASH',
    category: 'pet_supplies.walking.leashes',
    main_language: 'en',
    titles: { en: 'Reflective nylon dog leash, 1.5 m', zh: '反光尼龙狗绳 1.5 米', pt: 'Guia de nylon refletiva para cães, 1,5 m', ar: 'مقود نايلون عاكس للكلاب، 1.5 م', ko: '반사 나일론 강아지 리드줄 1.5m' },
    attributes: { pet_type: 'dog' },
    images: [image('xh-leash-1')],
    brand: 'Xinghe Pets',
    model: 'XP-L15',
    manufacturer: { name: 'Shenzhen Xinghe Electronics Co., Ltd.', address: '88 Keyuan South Road, Nanshan, Shenzhen, China', email: 'service@xinghe.example', country: 'CN' },
    hs_code: '420100',
    markets: ['BR', 'SA', 'KR', 'US'],
    skus: ['s', 'm', 'l'].map((size) => ({ seller_sku: `XP-L15-${size.toUpperCase()}`, variant: { pet_size: size, colour: 'orange' }, price: { amount: 2200, currency: 'CNY' }, weight_grams: 120, stock: 650 })),
  },
];

const lumenSender = { name: 'Foshan Lumen Lighting Co., Ltd.', lines: ['8 Lighting Road, Chancheng'], city: 'Foshan', region: 'Guangdong', postalCode: '528000', country: 'CN', phone: '+86 757 8888 0000' };
const bulbs = (quantity: number) => ({ description: 'LED bulb A60 9 W', quantity, netWeightGrams: 60 * quantity, unitValue: { amount: 1290, currency: 'CNY' }, hsCode: '853952', originCountry: 'CN' });

/** Parcels on their way to buyers, so the tracking pages have journeys to show (the carrier simulator moves them). */
const LUMEN_SHIPMENTS: NewShipment[] = [
  {
    orderRef: 'DEMO-ORDER-1001',
    serviceCode: 'caravan_standard',
    sender: lumenSender,
    recipient: { name: 'Lucia Fernandez', lines: ['Calle Mayor 10, 3 B'], city: 'Madrid', postalCode: '28013', country: 'ES', phone: '+34 600 123 456' },
    items: [bulbs(4)],
    weightGrams: 420,
    packageMm: { length: 250, width: 150, height: 140 },
  },
  {
    orderRef: 'DEMO-ORDER-1002',
    serviceCode: 'line_cn_es_fr',
    sender: lumenSender,
    recipient: { name: 'Camille Martin', lines: ['12 rue de la Paix'], city: 'Paris', postalCode: '75002', country: 'FR', phone: '+33 6 12 34 56 78' },
    items: [bulbs(2)],
    weightGrams: 260,
    packageMm: { length: 200, width: 120, height: 100 },
  },
];

export async function seedDemoCatalog(app: App, slug: string, owner: Caller): Promise<void> {
  const { catalog, compliance, logistics } = app.modules;
  if (slug === 'lumen') {
    for (const { product, certificate } of LUMEN) {
      const created = await catalog.service.create(owner, product, { publish: true });
      if (certificate) {
        await compliance.certificates.add(owner, {
          productId: created.id,
          type: 'CE',
          number: 'EU-DoC-LH-A60-2026',
          markets: ['EU', 'GB'],
          issuer: 'Foshan Lumen Lighting Co., Ltd. (declaration of conformity)',
          validFrom: '2026-01-01',
          validTo: '2028-12-31',
        });
      }
    }
    for (const shipment of LUMEN_SHIPMENTS) await logistics.service.createShipment(owner, shipment);
  }
  if (slug === 'xinghe') {
    for (const product of XINGHE) await catalog.service.create(owner, product, { publish: true });
  }
}
