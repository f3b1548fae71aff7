import { typedShapes } from './hand-tuned-typed.js';

/**
 * A hand-tuned SQLite query for each sample segment, as of 2027-02-11 (today 2027-02-11, now
 * 2027-02-11 23:59:59): what an engineer who knows the data and SQLite's planner would write.
 * Same meaning as the segment (mixed datetime forms included): the benchmark checks the keys.
 */
export const BENCH_AS_OF = '2027-02-11';

const DO_NOT_CALL = '1010, 1028, 1102, 1129, 1212, 1278, 1368, 1599, 1716, 1730, 1809, 1912, 2009, 2089, 2264, 2411, 2537, 2734, 2944, 3084, 3269, 3362, 3459, 3676, 3837, 9999';

/** `col` within [from 23:59:59, 2027-02-11 23:59:59]: a cheap text range first, exact second. */
const window = (col: string, from: string): string =>
    `${col} >= '${from}' AND ${col} < '2027-02-12' AND datetime(${col}) BETWEEN '${from} 23:59:59' AND '2027-02-11 23:59:59'`;

const BIG_SPENDERS = `SELECT customer_id FROM customers WHERE customer_id IN (
  SELECT customer_id FROM purchases GROUP BY +customer_id HAVING sum(amount) > 6000)`;

/**
 * TopSpenders (the 100 Irish customers who spent the most), written apart from the compiler. Of
 * the shapes tried at medium on sql.js, with the same keys: all purchases summed per customer
 * and left-joined to the Irish customers (5.2-8.2 s while the machine was loaded), the same sum
 * limited to Irish customers with `IN` (2.9-3.6 s), a correlated `sum` per Irish customer in
 * ORDER BY (3.1 s), and the join of Irish customers to their purchases grouped by customer
 * (2.8 s), kept: it reads only their purchases, through the index on `customer_id`, in key
 * order. Every Irish customer in the top 100 has bought something, so the inner join loses no one.
 */
const TOP_SPENDERS = `SELECT c.customer_id FROM customers c
JOIN purchases p ON p.customer_id = c.customer_id
WHERE c.city IN ('Dublin', 'Cork', 'Galway', 'Limerick', 'Waterford')
GROUP BY c.customer_id
ORDER BY sum(p.amount) DESC, c.customer_id
LIMIT 100`;

export const HAND_TUNED: Readonly<Record<string, string>> = {
    SecurityLowSatisfaction: `SELECT c.customer_id FROM customers c
WHERE c.satisfaction < 60 AND c.customer_id IN (
  SELECT p.customer_id FROM purchases p WHERE p.product_id IN (
    SELECT product_id FROM products WHERE category = 'Security' AND product_id <> 5567))`,
    HighBalance: 'SELECT customer_id FROM customers WHERE credit_balance > 5000',
    DoNotCall: `SELECT customer_id FROM customers WHERE customer_id IN (${DO_NOT_CALL})`,
    HighBalanceFollowUp: `SELECT customer_id FROM customers WHERE credit_balance > 5000 AND customer_id NOT IN (${DO_NOT_CALL})`,
    LapsedBuyers: `SELECT c.customer_id FROM customers c
WHERE c.customer_id IN (SELECT customer_id FROM purchases WHERE purchased_at < '2027-02-12' AND datetime(purchased_at) < '2027-02-11 23:59:59')
  AND c.customer_id NOT IN (SELECT customer_id FROM purchases WHERE ${window('purchased_at', '2026-08-15')} AND customer_id IS NOT NULL)`,
    FrequentBuyers: `SELECT customer_id FROM customers WHERE customer_id IN (
  SELECT customer_id FROM purchases WHERE ${window('purchased_at', '2026-11-13')}
  GROUP BY +customer_id HAVING count(*) >= 5)`,
    BigSpenders: BIG_SPENDERS,
    TopSpenders: TOP_SPENDERS,
    NeverPurchased: `SELECT c.customer_id FROM customers c
WHERE NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id)`,
    VipNotDoNotCall: `${BIG_SPENDERS} AND customer_id NOT IN (${DO_NOT_CALL})`,
    IrishSecurityProspects: `SELECT c.customer_id FROM customers c
WHERE c.city IN ('Dublin', 'Cork', 'Galway', 'Limerick', 'Waterford') AND c.do_not_call IS NOT 1
  AND c.customer_id IN (SELECT customer_id FROM interactions
    WHERE (topic = 'security' OR kind LIKE '%visit%') AND ${window('occurred_at', '2026-11-13')})
  AND NOT EXISTS (SELECT 1 FROM purchases p JOIN products pr ON pr.product_id = p.product_id
    WHERE p.customer_id = c.customer_id AND pr.category = 'Security')`,
    ValentinesEarly: `SELECT c.customer_id FROM customers c
WHERE c.email IS NOT NULL AND c.email <> ''
  AND c.customer_id IN (SELECT customer_id FROM interactions
    WHERE topic IN ('valentines', 'gifts') AND ${window('occurred_at', '2026-12-31')})
  AND c.customer_id NOT IN (SELECT p.customer_id FROM purchases p
    WHERE p.product_id IN (SELECT product_id FROM products WHERE category = 'Gifts')
      AND ${window('p.purchased_at', '2026-12-31')} AND p.customer_id IS NOT NULL)`,
    ValentinesLastMinute: `SELECT c.customer_id FROM customers c
WHERE c.customer_id IN (SELECT customer_id FROM interactions
    WHERE topic = 'valentines' AND ${window('occurred_at', '2027-02-08')})
  AND NOT EXISTS (SELECT 1 FROM purchases p JOIN products pr ON pr.product_id = p.product_id
    WHERE p.customer_id = c.customer_id AND pr.category = 'Gifts' AND ${window('p.purchased_at', '2027-02-08')})`
};

/**
 * More SQLite shapes of the segments above, written apart from the compiler (HAND_TUNED is the
 * usual `IN` form): a correlated `EXISTS` through the index on `purchases(customer_id)` or
 * `interactions(customer_id)`, a semi-join that scans the related table (`+column` keeps SQLite
 * off the index on it), and a join grouped by customer. Each is checked for the same keys; the
 * benchmark keeps the fastest.
 */
const SQLITE_ALTERNATIVES: Readonly<Record<string, readonly string[]>> = {
    SecurityLowSatisfaction: [
        `SELECT c.customer_id FROM customers c WHERE c.satisfaction < 60 AND EXISTS (
  SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND p.product_id IN (
    SELECT product_id FROM products WHERE category = 'Security' AND product_id <> 5567))`,
        `SELECT c.customer_id FROM customers c WHERE c.satisfaction < 60 AND c.customer_id IN (
  SELECT p.customer_id FROM purchases p WHERE +p.product_id IN (
    SELECT product_id FROM products WHERE category = 'Security' AND product_id <> 5567))`,
        `SELECT c.customer_id FROM customers c JOIN purchases p ON p.customer_id = c.customer_id JOIN products r ON r.product_id = p.product_id
WHERE c.satisfaction < 60 AND r.category = 'Security' AND r.product_id <> 5567 GROUP BY c.customer_id`
    ],
    NeverPurchased: [
        `SELECT customer_id FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM purchases WHERE customer_id IS NOT NULL)`,
        `SELECT c.customer_id FROM customers c LEFT JOIN purchases p ON p.customer_id = c.customer_id WHERE p.purchase_id IS NULL`
    ],
    LapsedBuyers: [
        `SELECT c.customer_id FROM customers c
WHERE EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND p.purchased_at < '2027-02-12' AND datetime(p.purchased_at) < '2027-02-11 23:59:59')
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND ${window('p.purchased_at', '2026-08-15')})`,
        `SELECT customer_id FROM purchases WHERE purchased_at < '2027-02-12' AND datetime(purchased_at) < '2027-02-11 23:59:59' AND customer_id IS NOT NULL
GROUP BY +customer_id HAVING max(CASE WHEN ${window('purchased_at', '2026-08-15')} THEN 1 ELSE 0 END) = 0`
    ],
    FrequentBuyers: [
        `SELECT c.customer_id FROM customers c WHERE (SELECT count(*) FROM purchases p WHERE p.customer_id = c.customer_id AND ${window('p.purchased_at', '2026-11-13')}) >= 5`
    ],
    BigSpenders: [
        `SELECT c.customer_id FROM customers c JOIN purchases p ON p.customer_id = c.customer_id GROUP BY c.customer_id HAVING sum(p.amount) > 6000`
    ],
    IrishSecurityProspects: [
        `SELECT c.customer_id FROM customers c
WHERE c.city IN ('Dublin', 'Cork', 'Galway', 'Limerick', 'Waterford') AND c.do_not_call IS NOT 1
  AND EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.customer_id
    AND (i.topic = 'security' OR i.kind LIKE '%visit%') AND ${window('i.occurred_at', '2026-11-13')})
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id
    AND p.product_id IN (SELECT product_id FROM products WHERE category = 'Security'))`
    ],
    ValentinesEarly: [
        `SELECT c.customer_id FROM customers c
WHERE c.email IS NOT NULL AND c.email <> ''
  AND EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.customer_id
    AND i.topic IN ('valentines', 'gifts') AND ${window('i.occurred_at', '2026-12-31')})
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id
    AND p.product_id IN (SELECT product_id FROM products WHERE category = 'Gifts') AND ${window('p.purchased_at', '2026-12-31')})`
    ],
    ValentinesLastMinute: [
        `SELECT c.customer_id FROM customers c
WHERE EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.customer_id
    AND i.topic = 'valentines' AND ${window('i.occurred_at', '2027-02-08')})
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id
    AND p.product_id IN (SELECT product_id FROM products WHERE category = 'Gifts') AND ${window('p.purchased_at', '2027-02-08')})`
    ]
};

/** The engines' families for hand-tuned SQL: sql.js and native SQLite run the same text. */
export type HandFamily = 'sqlite' | 'duckdb' | 'postgres';

/** `col` within the last 90 days as of 2027-02-11 ([2026-11-13 23:59:59, 2027-02-11 23:59:59]), exactly, in each family. */
function last90(family: HandFamily, col: string): string {
    if (family === 'sqlite') return window(col, '2026-11-13');
    // Every stored form starts with the day, so a text range narrows first; the cast reads `T` and `Z` alike.
    return `${col} >= '2026-11-13' AND ${col} < '2027-02-12' AND CAST(${col} AS TIMESTAMP) BETWEEN TIMESTAMP '2026-11-13 23:59:59' AND TIMESTAMP '2027-02-11 23:59:59'`;
}

/** `GROUP BY` a column without the index on it (SQLite reads a big table in index order otherwise). */
const scan = (family: HandFamily, col: string): string => (family === 'sqlite' ? `+${col}` : col);

/**
 * Hand-tuned queries of the measure segments (samples/retail/measures.segment), written
 * independently of the compiler: several shapes each, per engine family. The benchmark runs
 * every shape in turns with the compiled query, checks each returns the same keys, and keeps
 * the fastest that does. Same meaning as the segments, event time included (reference 6.1:
 * customers and purchases exist from their time on): the data's times are in plain forms
 * without offsets, so a text comparison with the next day says exactly which exist.
 */
export function handTunedShapes(segment: string, family: HandFamily): readonly string[] {
    const recent = (p: string): string => last90(family, `${p}purchased_at`);
    const bought = (p: string): string => `${p}purchased_at < '2027-02-12'`;
    const customer = (c: string): string => `${c}signed_up_at < '2027-02-12'`;
    switch (segment) {
        // Customer.LifetimeValue > 5000 and Customer.RecentOrders >= 3
        case 'LoyalHighValue': return [
            // Two grouped semi-joins.
            `SELECT customer_id FROM customers WHERE ${customer('')} AND customer_id IN (
  SELECT customer_id FROM purchases WHERE ${bought('')} GROUP BY ${scan(family, 'customer_id')} HAVING sum(amount) > 5000)
  AND customer_id IN (SELECT customer_id FROM purchases WHERE ${recent('')} GROUP BY ${scan(family, 'customer_id')} HAVING count(*) >= 3)`,
            // One pass over the purchases, both measures at once.
            `SELECT customer_id FROM customers WHERE ${customer('')} AND customer_id IN (
  SELECT customer_id FROM purchases WHERE ${bought('')} GROUP BY ${scan(family, 'customer_id')}
  HAVING sum(amount) > 5000 AND sum(CASE WHEN ${recent('')} THEN 1 ELSE 0 END) >= 3)`,
            // The recent orders first (few customers), then their lifetime value only.
            `WITH r AS (SELECT customer_id FROM purchases WHERE ${recent('')} GROUP BY ${scan(family, 'customer_id')} HAVING count(*) >= 3)
SELECT customer_id FROM customers WHERE ${customer('')} AND customer_id IN (
  SELECT customer_id FROM purchases WHERE ${bought('')} AND customer_id IN (SELECT customer_id FROM r) GROUP BY customer_id HAVING sum(amount) > 5000)`
        ];
        // Product in segment BestSellers, BestSellers being Product.Buyers >= 300.
        case 'BoughtABestSeller': {
            const best = `SELECT p.product_id FROM purchases p JOIN customers c ON c.customer_id = p.customer_id WHERE ${bought('p.')} AND ${customer('c.')}
    GROUP BY ${scan(family, 'p.product_id')} HAVING count(DISTINCT p.customer_id) >= 300`;
            return [
                `SELECT customer_id FROM customers WHERE ${customer('')} AND customer_id IN (
  SELECT customer_id FROM purchases WHERE ${bought('')} AND product_id IN (SELECT product_id FROM products WHERE product_id IN (${best})))`,
                `SELECT DISTINCT p.customer_id FROM purchases p JOIN (${best}) b ON b.product_id = p.product_id
  WHERE ${bought('p.')} AND p.customer_id IN (SELECT customer_id FROM customers WHERE ${customer('')})`,
                `SELECT c.customer_id FROM customers c WHERE ${customer('c.')} AND EXISTS (
  SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND ${bought('p.')} AND p.product_id IN (${best}))`,
                // The purchases scanned twice in table order: per product, each purchase's
                // customer found by its key; then the best sellers' buyers.
                `SELECT customer_id FROM customers WHERE ${customer('')} AND customer_id IN (
  SELECT customer_id FROM purchases WHERE ${bought('')} AND ${scan(family, 'product_id')} IN (
    SELECT p.product_id FROM purchases p JOIN customers c ON c.customer_id = ${scan(family, 'p.customer_id')} WHERE ${bought('p.')} AND ${customer('c.')}
    GROUP BY ${scan(family, 'p.product_id')} HAVING count(DISTINCT p.customer_id) >= 300))`
            ];
        }
        // Product.Buyers >= 300
        case 'BestSellers': return [
            `SELECT product_id FROM products WHERE product_id IN (SELECT p.product_id FROM purchases p JOIN customers c ON c.customer_id = ${scan(family, 'p.customer_id')}
  WHERE ${bought('p.')} AND ${customer('c.')} GROUP BY ${scan(family, 'p.product_id')} HAVING count(DISTINCT p.customer_id) >= 300)`,
            `SELECT product_id FROM products WHERE product_id IN (SELECT p.product_id FROM purchases p JOIN customers c ON c.customer_id = p.customer_id
  WHERE ${bought('p.')} AND ${customer('c.')} GROUP BY ${scan(family, 'p.product_id')} HAVING count(DISTINCT p.customer_id) >= 300)`,
            `SELECT product_id FROM products WHERE product_id IN (SELECT product_id FROM purchases
  WHERE ${bought('')} AND customer_id IN (SELECT customer_id FROM customers WHERE ${customer('')}) GROUP BY ${scan(family, 'product_id')} HAVING count(DISTINCT customer_id) >= 300)`,
            `SELECT r.product_id FROM products r JOIN (SELECT p.product_id, count(DISTINCT p.customer_id) AS n FROM purchases p JOIN customers c ON c.customer_id = p.customer_id
  WHERE ${bought('p.')} AND ${customer('c.')} GROUP BY p.product_id) b ON b.product_id = r.product_id WHERE b.n >= 300`
        ];
        // Purchase.Amount < Product.Price and Purchase.PurchasedAt in last 90 days
        case 'DiscountBuyers': return [
            `SELECT customer_id FROM customers WHERE ${customer('')} AND customer_id IN (
  SELECT p.customer_id FROM purchases p JOIN products r ON r.product_id = p.product_id WHERE p.amount < r.price AND ${recent('p.')})`,
            `SELECT c.customer_id FROM customers c WHERE ${customer('c.')} AND EXISTS (
  SELECT 1 FROM purchases p JOIN products r ON r.product_id = p.product_id
  WHERE p.customer_id = c.customer_id AND p.amount < r.price AND ${recent('p.')})`
        ];
        default: return family === 'sqlite' ? SQLITE_ALTERNATIVES[segment] ?? [] : typedShapes(segment);
    }
}
