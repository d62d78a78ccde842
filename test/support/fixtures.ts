import type { ApplicationForm } from '../../src/modules/sellers/rules.ts';

/** A complete enterprise application that passes every check (reference examples of onboarding.md). */
export function enterpriseForm(overrides: Partial<ApplicationForm> = {}): ApplicationForm {
  return {
    entity: {
      name: '深圳市星河跨境贸易有限公司',
      name_en: 'Shenzhen Xinghe Cross-border Trading Co., Ltd.',
      uscc: '91110108551385082Q',
      registered_address: '广东省深圳市南山区科技园南路 88 号',
      business_scope: '货物及技术进出口；跨境电子商务；电子产品销售',
      licence_valid_until: null,
    },
    representative: { name: '王芳', name_latin: 'Wang Fang', id_number: '440308199901101512', mobile: '+86 138 0013 8000' },
    bank_account: { holder_name: '深圳市星河跨境贸易有限公司', bank_name: '招商银行深圳分行', account_number: '755912345610801' },
    payment_account: { provider: 'Alipay', account_id: 'xinghe-trade@alipay.example', bound_mobile: '13800138000' },
    store: { name: 'Xinghe Electronics', type: 'standard' },
    ...overrides,
  };
}

export function individualForm(overrides: Partial<ApplicationForm> = {}): ApplicationForm {
  return {
    entity: { name: '义乌市小李饰品店', uscc: '92330782MA2ECTRG7E', registered_address: '浙江省义乌市稠城街道 12 号' },
    representative: { name: '李娜', id_number: '11010519491231002X', mobile: '13912345678' },
    bank_account: { holder_name: '李娜', bank_name: '中国农业银行义乌分行', account_number: '6228480123456789012' },
    payment_account: { account_id: 'lina-shop', bound_mobile: '+8613912345678' },
    store: { name: 'Little Li Jewellery', type: 'standard' },
    ...overrides,
  };
}

/**
 * An LED bulb as a careful seller describes it: complete GPSR data, warnings in the buyers'
 * languages, two SKUs. Lighting needs CE in the EU and CE or UKCA in GB.
 */
export function ledBulb(overrides: Record<string, unknown> = {}) {
  const unique = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  return {
    category: 'lighting.bulbs.led_bulbs',
    main_language: 'zh',
    titles: { zh: 'LED 灯泡 9W E27 暖白光', en: 'LED bulb 9 W E27 warm white', es: 'Bombilla LED 9 W E27 blanco cálido', fr: 'Ampoule LED 9 W E27 blanc chaud' },
    descriptions: { en: 'Energy-saving LED bulb, 806 lumen, 25,000 hour lifetime.', es: 'Bombilla LED de bajo consumo, 806 lúmenes.', fr: 'Ampoule LED basse consommation, 806 lumens.' },
    attributes: { wattage_w: 9, luminous_flux_lm: 806, dimmable: false },
    images: ['https://images.example.com/led-bulb-1.jpg', 'https://images.example.com/led-bulb-2.jpg'],
    brand: 'Lumen Home',
    model: 'LH-A60-9W',
    manufacturer: { name: 'Foshan Lumen Lighting Co., Ltd.', address: '8 Lighting Road, Foshan, Guangdong, China', email: 'safety@lumen.example', country: 'CN' },
    eu_responsible_person: { name: 'Lumen Europe B.V.', address: 'Keizersgracht 1, 1015 Amsterdam, Netherlands', email: 'eu-rp@lumen.example', country: 'NL' },
    warnings: { en: 'Switch off the mains before fitting.', es: 'Desconecte la red antes de instalar.', fr: 'Coupez le courant avant l’installation.' },
    hs_code: '853952',
    markets: ['ES', 'FR'],
    skus: [
      { seller_sku: `LED-9W-E27-WW-${unique}`, variant: { light_colour: 'warm_white', lamp_base: 'e27' }, price: { amount: 1290, currency: 'CNY' }, weight_grams: 60, package_mm: { length: 120, width: 65, height: 65 }, barcode: '6901234567892', stock: 500 },
      { seller_sku: `LED-9W-E14-CW-${unique}`, variant: { light_colour: 'cool_white', lamp_base: 'e14' }, price: { amount: 1290, currency: 'CNY' }, weight_grams: 55, stock: 300 },
    ],
    ...overrides,
  };
}

/** A parcel of LED bulbs from Foshan to Madrid, as a seller sends it to buy a label. */
export function shipmentToMadrid(overrides: Record<string, unknown> = {}) {
  return {
    order_ref: 'ORD-2026-0001',
    service_code: 'caravan_standard',
    sender: { name: 'Foshan Lumen Lighting Co., Ltd.', lines: ['8 Lighting Road, Chancheng District'], city: 'Foshan', region: 'Guangdong', postal_code: '528000', country: 'CN', phone: '+86 757 8888 0000' },
    recipient: { name: 'Lucia Fernandez', lines: ['Calle Mayor 10, 3 B'], city: 'Madrid', postal_code: '28013', country: 'ES', phone: '+34 600 123 456' },
    items: [{ description: 'LED bulb 9 W E27', quantity: 4, net_weight_g: 240, unit_value: { amount: 1290, currency: 'CNY' }, hs_code: '853952', origin_country: 'CN' }],
    weight_g: 420,
    package_mm: { length: 250, width: 150, height: 140 },
    ...overrides,
  };
}
