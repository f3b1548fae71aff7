/**
 * The retail sample: a pure, seeded generator of customers, products, purchases and
 * interactions, stored the way the language reference expects SQLite data (booleans 0/1,
 * dates `YYYY-MM-DD`, datetimes ISO-8601 text in deliberately mixed forms, all UTC).
 *
 * Same size and seed, same rows, every time, on every machine: the only randomness is a
 * mulberry32 stream per table, and no clock is read. Purchases and interactions are
 * generators, so very large sizes stream instead of being held in memory (customers and
 * products are kept: the fact tables need their per-customer traits).
 */

export interface RetailSize {
  customers: number;
  products: number;
  purchases: number;
  interactions: number;
}

/** The size of the committed sample (`retail.sqlite`). */
export const SAMPLE_SIZE: RetailSize = { customers: 3000, products: 200, purchases: 30000, interactions: 30000 };

export type ColumnType = 'INTEGER' | 'REAL' | 'TEXT';

export interface Column {
  name: string;
  type: ColumnType;
  primaryKey?: boolean;
  references?: { table: string; column: string };
}

export interface Table {
  name: string;
  columns: Column[];
  /** Re-iterable: every iteration yields the same rows, in the same order. */
  rows: Iterable<unknown[]>;
}

export const FIRST_CUSTOMER_ID = 1001;
export const CATEGORIES = ['Security', 'Networking', 'Storage', 'Software', 'Accessories', 'Gifts'] as const;
export type Category = (typeof CATEGORIES)[number];
/** Purchases run from this date to DATA_END; interactions from INTERACTIONS_FROM to DATA_END. */
export const PURCHASES_FROM = '2025-01-01';
export const INTERACTIONS_FROM = '2026-06-01';
/** The last day with data: the demo runs "as of" this date, three days before Valentine's Day. */
export const DATA_END = '2027-02-11';

// ---- Randomness -------------------------------------------------------------

type Rng = () => number;

/** mulberry32: a tiny 32-bit PRNG, uniform in [0, 1). */
function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An independent stream per purpose, so tables can be iterated in any order. */
function stream(seed: number, salt: number): Rng {
  let h = Math.imul((seed | 0) ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
  return mulberry32(h ^ (h >>> 16));
}

const between = (rng: Rng, low: number, high: number): number => low + rng() * (high - low);
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)]!;

function weighted<T>(rng: Rng, items: readonly (readonly [T, number])[]): T {
  const total = items.reduce((sum, [, w]) => sum + w, 0);
  let r = rng() * total;
  for (const [item, w] of items) {
    r -= w;
    if (r < 0) return item;
  }
  return items[items.length - 1]![0];
}

/** Standard normal (Box-Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Index into a cumulative weight array by binary search. */
function pickCumulative(rng: Rng, cumulative: Float64Array): number {
  const r = rng() * cumulative[cumulative.length - 1]!;
  let lo = 0;
  let hi = cumulative.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumulative[mid]! > r) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

// ---- Time (epoch seconds, UTC) ---------------------------------------------

const DAY = 86400;
const secondsOf = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;
const endOfDay = (date: string): number => secondsOf(date) + DAY - 1;

/** A datetime in one of the forms the reference allows, mostly `YYYY-MM-DD HH:MM:SS`. */
function formatDateTime(rng: Rng, seconds: number): string {
  const iso = new Date(seconds * 1000).toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const r = rng();
  if (r < 0.75) return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  if (r < 0.88) return iso.slice(0, 19);
  if (r < 0.96) return `${iso.slice(0, 19)}Z`;
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}Z`;
}

const formatDate = (seconds: number): string => new Date(seconds * 1000).toISOString().slice(0, 10);

/** Days from `seconds` until the next February 14 (0 on the day itself). */
function daysUntilValentines(seconds: number): number {
  const year = new Date(seconds * 1000).getUTCFullYear();
  let target = Date.UTC(year, 1, 14) / 1000;
  if (seconds >= target + DAY) target = Date.UTC(year + 1, 1, 14) / 1000;
  return Math.max(0, Math.floor((target - seconds) / DAY));
}

/** Share of a Valentine-minded customer's interactions about Valentine's: rises through January. */
function valentinesInterest(seconds: number): number {
  const days = daysUntilValentines(seconds);
  if (days > 56) return 0.01;
  return 0.01 + 0.5 * ((56 - days) / 56) ** 2;
}

// ---- Customers --------------------------------------------------------------

const FIRST_NAMES = [
  'Aoife', 'Liam', 'Emma', 'Noah', 'Olivia', 'Jack', 'Sophie', 'James', 'Grace', 'Daniel', 'Chloe',
  'Conor', 'Mia', 'Sean', 'Ella', 'Adam', 'Niamh', 'Luca', 'Sarah', 'Ryan', 'Hannah', 'Oisin',
  'Amelia', 'Ben', 'Isla', 'Marco', 'Lena', 'Tomás', 'Zoë', 'Łukasz', 'Åsa', 'Priya', 'Wei',
  'Fatima', 'Mateo', 'Yuki', 'Kwame', 'Ingrid', 'Diego', 'Anya',
] as const;
const LAST_NAMES = [
  'Murphy', 'Kelly', 'Byrne', 'Walsh', 'Ryan', 'Smith', 'Doyle', 'Brennan', 'Nolan', 'Lynch',
  'Fitzgerald', 'Kennedy', 'Murray', 'Quinn', 'Moore', 'Clarke', 'Taylor', 'Brown', 'Wilson',
  'Rossi', 'Müller', 'Schmidt', 'Dubois', 'García', 'Silva', 'Novak', 'Kowalski', 'Jensen',
  'Patel', 'Chen', 'Tanaka', 'Mensah', 'Larsen', 'Costa', 'Ivanova', 'Nakamura',
] as const;
const CITIES: readonly (readonly [string, number])[] = [
  ['Dublin', 20], ['Cork', 8], ['Galway', 6], ['Limerick', 4], ['Waterford', 3], ['Belfast', 5],
  ['London', 12], ['Manchester', 6], ['Edinburgh', 4], ['Amsterdam', 6], ['Berlin', 6],
  ['Paris', 6], ['Lisbon', 4], ['Madrid', 5], ['Milan', 5],
];
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'] as const;
const FAVOURITES: readonly (readonly [Category, number])[] = [
  ['Security', 25], ['Networking', 22], ['Storage', 18], ['Software', 20], ['Accessories', 13], ['Gifts', 2],
];

interface CustomerProfile {
  id: number;
  name: string;
  email: string | null;
  city: string;
  satisfaction: number | null;
  creditBalance: number;
  doNotCall: 0 | 1;
  birthday: string | null;
  signedUpAt: string;
  favourite: Category;
  /** Share of interactions that are support calls: drives satisfaction down. */
  supportRate: number;
  /** 0 for customers who never care about Valentine's, up to 1. */
  valentines: number;
  purchaseFrom: number;
  purchaseTo: number;
  /** Expected purchases per day while active, relative. */
  purchaseIntensity: number;
  interactionFrom: number;
  interactionIntensity: number;
}

function emailLocalPart(text: string): string {
  return text.normalize('NFD').replace(/[^A-Za-z]/g, '').toLowerCase();
}

function makeCustomers(count: number, seed: number): CustomerProfile[] {
  const rng = stream(seed, 1);
  const purchasesFrom = secondsOf(PURCHASES_FROM);
  const interactionsFrom = secondsOf(INTERACTIONS_FROM);
  const end = endOfDay(DATA_END);
  const customers: CustomerProfile[] = [];
  for (let i = 0; i < count; i++) {
    const id = FIRST_CUSTOMER_ID + i;
    const first = pick(rng, FIRST_NAMES);
    const last = pick(rng, LAST_NAMES);
    let name = `${first} ${last}`;
    const emailRoll = rng();
    let email: string | null =
      emailRoll < 0.01 ? null : emailRoll < 0.03 ? '' :
      `${emailLocalPart(first)}.${emailLocalPart(last)}${id}@${pick(rng, EMAIL_DOMAINS)}`;
    const city = weighted(rng, CITIES);

    const supportRoll = rng();
    const supportRate =
      supportRoll < 0.7 ? between(rng, 0.02, 0.08) : supportRoll < 0.92 ? between(rng, 0.1, 0.25) : between(rng, 0.3, 0.6);
    let satisfaction: number | null = Math.round(Math.min(100, Math.max(0, 90 - 100 * supportRate + 10 * gaussian(rng))));
    if (rng() < 0.03) satisfaction = null;

    const balanceRoll = rng();
    const creditBalance = round2(
      balanceRoll < 0.06 ? between(rng, 5200, 25000) : balanceRoll < 0.16 ? 0 : Math.min(4900, 150 + 900 * Math.exp(gaussian(rng) * 0.8)),
    );
    let doNotCall: 0 | 1 = rng() < 0.08 ? 1 : 0;
    const birthday = rng() < 0.15 ? null : formatDate(secondsOf('1950-01-01') + Math.floor(rng() * 56 * 365.25) * DAY);

    const buyerRoll = rng();
    let purchaseIntensity = buyerRoll < 0.08 ? 0 : buyerRoll < 0.6 ? 0.3 : buyerRoll < 0.965 ? 1 : 10;
    const lapsed = purchaseIntensity > 0 && rng() < 0.12;
    const signupFrom = secondsOf('2021-01-01');
    const signupTo = lapsed ? secondsOf('2025-03-01') : rng() < 0.85 ? secondsOf('2025-12-31') : endOfDay('2027-01-31');
    const signedUp = Math.floor(between(rng, signupFrom, signupTo));
    const purchaseTo = lapsed ? Math.floor(between(rng, secondsOf('2025-05-01'), secondsOf('2026-07-15'))) : end;
    let favourite = weighted(rng, FAVOURITES);
    const valentines = rng() < 0.45 ? 0 : between(rng, 0.3, 1);
    const interactionIntensity = (rng() < 0.1 ? 0 : Math.exp(gaussian(rng) * 0.6)) * (lapsed ? 0.3 : 1);
    const signedUpAt = formatDateTime(rng, signedUp);

    // Fixed customers for escaping tests; set after all draws so other customers do not move.
    if (i === 1 || i === 2) {
      name = i === 1 ? "Siobhan O'Brien" : '<img src=x onerror=alert(1)>';
      email = i === 1 ? `siobhan.obrien${id}@example.com` : `webview.test${id}@example.com`;
      satisfaction = i === 1 ? 52 : 38;
      favourite = 'Security';
      doNotCall = 0;
      purchaseIntensity = 1;
    }

    customers.push({
      id, name, email, city, satisfaction, creditBalance, doNotCall, birthday, signedUpAt, favourite, supportRate, valentines,
      purchaseFrom: Math.max(signedUp, purchasesFrom),
      purchaseTo,
      purchaseIntensity,
      interactionFrom: Math.max(signedUp, interactionsFrom),
      interactionIntensity,
    });
  }
  return customers;
}

// ---- Products ---------------------------------------------------------------

interface ProductProfile {
  id: number;
  name: string;
  category: Category;
  price: number;
  popularity: number;
}

/** Product 5567: the seed's excluded Security product, and a popular one. */
export const EXCLUDED_SECURITY_PRODUCT = 5567;

const PRODUCT_NOUNS: Record<Category, readonly string[]> = {
  Security: ['Camera', 'Door Sensor', 'Alarm Hub', 'Smart Lock', 'Firewall', 'Motion Sensor', 'Antivirus Suite'],
  Networking: ['Router', 'Mesh Node', 'Switch', 'Access Point', 'Powerline Kit', 'Cable Modem'],
  Storage: ['NAS', 'SSD', 'Portable Drive', 'Backup Disk', 'Memory Card'],
  Software: ['Office Suite', 'Photo Editor', 'Backup Plan', 'VPN Plan', 'Password Manager'],
  Accessories: ['Keyboard', 'Mouse', 'USB-C Hub', 'Headset', 'Laptop Stand', 'Charger'],
  Gifts: ['Gift Card', 'Smart Frame', 'Gift Box', 'Wireless Speaker', 'Fitness Band', 'Smart Mug'],
};
const PRICES: Record<Category, readonly [number, number]> = {
  Security: [29, 399], Networking: [39, 449], Storage: [19, 699], Software: [9, 149], Accessories: [9, 129], Gifts: [15, 199],
};
const BRANDS = ['Apex', 'Northwind', 'Contoso', 'Fabrikam', 'Lumen', 'Tailspin', 'Sentinel', 'Kestrel'] as const;
const PRODUCT_MIX: readonly (readonly [Category, number])[] = [
  ['Security', 20], ['Networking', 20], ['Storage', 15], ['Software', 20], ['Accessories', 15], ['Gifts', 10],
];

function makeProducts(count: number, seed: number): ProductProfile[] {
  const rng = stream(seed, 2);
  const products: ProductProfile[] = [];
  for (let i = 0; i < count; i++) {
    const id = 5000 + 7 * (i + 1); // 5007, 5014, ...: 5567 is the 81st
    let category = weighted(rng, PRODUCT_MIX);
    let name = `${pick(rng, BRANDS)} ${pick(rng, PRODUCT_NOUNS[category])} ${100 + Math.floor(rng() * 900)}`;
    const [low, high] = PRICES[category];
    const price = round2(Math.floor(between(rng, low, high)) + 0.99);
    let popularity = 0.2 + 3 * rng() ** 3;
    if (id === EXCLUDED_SECURITY_PRODUCT) {
      category = 'Security';
      name = 'Sentinel Home Camera 360';
      popularity = 6;
    }
    products.push({ id, name, category, price, popularity });
  }
  return products;
}

// ---- Tables -----------------------------------------------------------------

const CHANNELS: readonly (readonly [string, number])[] = [['web', 55], ['store', 30], ['phone', 10], ['partner', 5]];
const KINDS: readonly (readonly [string, number])[] = [['email_open', 40], ['web_visit', 35], ['store_visit', 15], ['chat', 10]];
const SUPPORT_TOPICS: readonly (readonly [string, number])[] = [['billing', 40], ['security', 25], ['networking', 15], ['general', 20]];
const TOPICS: readonly (readonly [string, number])[] = [
  ['security', 18], ['networking', 14], ['storage', 10], ['software', 12], ['gifts', 6], ['promotions', 15], ['general', 25],
];

function cumulative(weights: readonly number[]): Float64Array {
  const sums = new Float64Array(weights.length);
  let total = 0;
  weights.forEach((w, i) => { total += w; sums[i] = total; });
  return sums;
}

const iterable = (make: () => Iterator<unknown[]>): Iterable<unknown[]> => ({ [Symbol.iterator]: make });

function customersTable(customers: CustomerProfile[]): Table {
  return {
    name: 'customers',
    columns: [
      { name: 'customer_id', type: 'INTEGER', primaryKey: true },
      { name: 'name', type: 'TEXT' },
      { name: 'email', type: 'TEXT' },
      { name: 'city', type: 'TEXT' },
      { name: 'satisfaction', type: 'INTEGER' },
      { name: 'credit_balance', type: 'REAL' },
      { name: 'do_not_call', type: 'INTEGER' },
      { name: 'birthday', type: 'TEXT' },
      { name: 'signed_up_at', type: 'TEXT' },
    ],
    rows: iterable(function* () {
      for (const c of customers) {
        yield [c.id, c.name, c.email, c.city, c.satisfaction, c.creditBalance, c.doNotCall, c.birthday, c.signedUpAt];
      }
    }),
  };
}

function productsTable(products: ProductProfile[]): Table {
  return {
    name: 'products',
    columns: [
      { name: 'product_id', type: 'INTEGER', primaryKey: true },
      { name: 'name', type: 'TEXT' },
      { name: 'category', type: 'TEXT' },
      { name: 'price', type: 'REAL' },
    ],
    rows: iterable(function* () {
      for (const p of products) yield [p.id, p.name, p.category, p.price];
    }),
  };
}

function purchasesTable(count: number, seed: number, customers: CustomerProfile[], products: ProductProfile[]): Table {
  const customerWeights = cumulative(customers.map((c) => c.purchaseIntensity * Math.max(0, c.purchaseTo - c.purchaseFrom) / DAY));
  const byCategory = new Map<Category, ProductProfile[]>();
  for (const p of products) {
    const list = byCategory.get(p.category);
    if (list) list.push(p);
    else byCategory.set(p.category, [p]);
  }
  const productWeights = new Map([...byCategory].map(([cat, list]) => [cat, cumulative(list.map((p) => p.popularity))] as const));
  const anyWeights = cumulative(products.map((p) => p.popularity));
  const otherCategories = PRODUCT_MIX.filter(([cat]) => cat !== 'Gifts');

  return {
    name: 'purchases',
    columns: [
      { name: 'purchase_id', type: 'INTEGER', primaryKey: true },
      { name: 'customer_id', type: 'INTEGER', references: { table: 'customers', column: 'customer_id' } },
      { name: 'product_id', type: 'INTEGER', references: { table: 'products', column: 'product_id' } },
      { name: 'purchased_at', type: 'TEXT' },
      { name: 'amount', type: 'REAL' },
      { name: 'channel', type: 'TEXT' },
    ],
    rows: iterable(function* () {
      const rng = stream(seed, 3);
      for (let i = 0; i < count; i++) {
        const c = customers[pickCumulative(rng, customerWeights)]!;
        let at = Math.floor(between(rng, c.purchaseFrom, c.purchaseTo));
        // The Valentine's rush: some purchases of Valentine-minded customers land in early February.
        // Busier the closer the deadline: the density of the day grows linearly to February 14.
        if (rng() < 0.15 * c.valentines) {
          const year = pick(rng, [2025, 2026, 2027]);
          const rush = Math.floor(Date.UTC(year, 1, 1) / 1000 + Math.sqrt(rng()) * 13 * DAY);
          if (rush >= c.purchaseFrom && rush <= c.purchaseTo) at = rush;
        }
        const days = daysUntilValentines(at);
        const giftShare = days <= 14 ? 0.1 + 0.6 * c.valentines : 0.05;
        const category: Category =
          rng() < giftShare ? 'Gifts' : rng() < 0.5 ? c.favourite : weighted(rng, otherCategories);
        const list = byCategory.get(category);
        const product = list ? list[pickCumulative(rng, productWeights.get(category)!)]! : products[pickCumulative(rng, anyWeights)]!;
        const quantity = weighted(rng, [[1, 80], [2, 15], [3, 5]] as const);
        const discount = rng() < 0.1 ? between(rng, 0.8, 0.95) : 1;
        yield [
          100001 + i, c.id, product.id, formatDateTime(rng, at), round2(product.price * quantity * discount), weighted(rng, CHANNELS),
        ];
      }
    }),
  };
}

function interactionsTable(count: number, seed: number, customers: CustomerProfile[], purchases: Table): Table {
  const end = endOfDay(DATA_END);
  const customerWeights = cumulative(customers.map((c) => c.interactionIntensity * Math.max(0, end - c.interactionFrom) / DAY));
  return {
    name: 'interactions',
    columns: [
      { name: 'interaction_id', type: 'INTEGER', primaryKey: true },
      { name: 'customer_id', type: 'INTEGER', references: { table: 'customers', column: 'customer_id' } },
      { name: 'kind', type: 'TEXT' },
      { name: 'topic', type: 'TEXT' },
      { name: 'occurred_at', type: 'TEXT' },
    ],
    rows: iterable(function* () {
      const rng = stream(seed, 4);
      for (let i = 0; i < count; i++) {
        const c = customers[pickCumulative(rng, customerWeights)]!;
        const at = Math.floor(between(rng, c.interactionFrom, end));
        let kind: string;
        let topic: string;
        if (rng() < c.supportRate) {
          kind = 'support_call';
          topic = weighted(rng, SUPPORT_TOPICS);
        } else {
          kind = weighted(rng, KINDS);
          topic = rng() < c.valentines * valentinesInterest(at) ? 'valentines' : weighted(rng, TOPICS);
        }
        yield [500001 + i, c.id, kind, topic, formatDateTime(rng, at)];
      }
      yield* cartRows(500001 + count, count, seed, customers, customerWeights, purchases);
    }),
  };
}

/** Share of web purchases made after putting the product in the web cart. */
const CART_BEFORE_WEB_PURCHASE = 0.35;
/** Carts left without a purchase, per interaction. */
const ABANDONED_CARTS_PER_INTERACTION = 0.02;

/**
 * Web cart interactions (`kind` `cart`, topic `shopping`), appended after the other
 * interactions with ids from `firstId`, from a random stream of their own: every other record
 * of the sample is the same with or without them. Some web purchases had their product put in
 * the cart 5 minutes to 20 hours before (converted carts); other carts, at random times of
 * customers who interact, may or may not be followed by a purchase.
 */
function* cartRows(firstId: number, interactions: number, seed: number, customers: CustomerProfile[], customerWeights: Float64Array, purchases: Table): Generator<unknown[]> {
  const rng = stream(seed, 5);
  const end = endOfDay(DATA_END);
  let id = firstId;
  for (const row of purchases.rows) {
    const [, customerId, , purchasedAt, , channel] = row as [number, number, number, string, number, string];
    const c = customers[customerId - FIRST_CUSTOMER_ID]!;
    const at = Date.parse(`${purchasedAt.slice(0, 10)}T${purchasedAt.slice(11, 19)}Z`) / 1000;
    if (channel !== 'web' || at < c.interactionFrom + DAY || rng() >= CART_BEFORE_WEB_PURCHASE) continue;
    const cartAt = Math.floor(at - between(rng, 300, 72_000));
    yield [id++, c.id, 'cart', 'shopping', formatDateTime(rng, cartAt)];
  }
  if (customers.length === 0 || customerWeights[customerWeights.length - 1]! <= 0) return;
  const abandoned = Math.round(interactions * ABANDONED_CARTS_PER_INTERACTION);
  for (let i = 0; i < abandoned; i++) {
    const c = customers[pickCumulative(rng, customerWeights)]!;
    const at = Math.floor(between(rng, c.interactionFrom, end));
    yield [id++, c.id, 'cart', 'shopping', formatDateTime(rng, at)];
  }
}

/**
 * The four tables of the retail sample. Pure: the same size and seed give the same rows.
 * Customer ids start at 1001, product ids are 5000 + 7k (5567, a Security product, exists once
 * there are 81 products), purchase ids start at 100001 and interaction ids at 500001 (web cart
 * interactions, generated apart, follow the others).
 */
export function generateRetail(size: RetailSize, seed = 42): Table[] {
  for (const [key, value] of Object.entries(size)) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`RetailSize.${key} must be a non-negative integer, got ${value}`);
  }
  if (size.purchases > 0 && (size.customers === 0 || size.products === 0)) {
    throw new RangeError('purchases need at least one customer and one product');
  }
  if (size.interactions > 0 && size.customers === 0) throw new RangeError('interactions need at least one customer');
  const customers = makeCustomers(size.customers, seed);
  const products = makeProducts(size.products, seed);
  const purchases = purchasesTable(size.purchases, seed, customers, products);
  return [
    customersTable(customers),
    productsTable(products),
    purchases,
    interactionsTable(size.interactions, seed, customers, purchases),
  ];
}

/**
 * The members of the sample's static `DoNotCall` segment, derived from generated data:
 * `count` customers with do_not_call = 1, of whom exactly `overlap` have a credit balance above
 * `threshold` (the seed: "There are four customers who will be excluded"). Ascending keys.
 */
export function doNotCallSampleMembers(tables: Table[], threshold = 5000, count = 25, overlap = 4): number[] {
  const customers = tables.find((t) => t.name === 'customers');
  if (!customers) throw new Error('no customers table');
  const high: number[] = [];
  const low: number[] = [];
  for (const row of customers.rows) {
    const [id, , , , , balance, doNotCall] = row as [number, string, string, string, number, number, number];
    if (doNotCall === 1) (balance > threshold ? high : low).push(id);
  }
  if (high.length < overlap || low.length < count - overlap) throw new Error('not enough do-not-call customers');
  const rest = count - overlap;
  const spread = Array.from({ length: rest }, (_, k) => low[Math.floor((k * low.length) / rest)]!);
  return [...high.slice(0, overlap), ...spread].sort((a, b) => a - b);
}
