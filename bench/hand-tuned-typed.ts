/**
 * Hand-written DuckDB and PostgreSQL shapes of the version 1 segments (samples/retail), as of
 * 2027-02-11, written apart from the compiler (bench/hand-tuned.ts has the SQLite ones): the
 * usual `IN` semi-join, a correlated `EXISTS`, a join grouped by customer, and the anti-joins
 * `NOT EXISTS`, `NOT IN`, `LEFT JOIN ... IS NULL`, `EXCEPT`. Times are stored as text in both
 * copies (or as timestamps, which compare with the same literals), so a window is a text range
 * on the day first and the exact instant by a cast second. The benchmark keeps the fastest
 * shape that returns the compiled query's keys.
 */
const DO_NOT_CALL = '1010, 1028, 1102, 1129, 1212, 1278, 1368, 1599, 1716, 1730, 1809, 1912, 2009, 2089, 2264, 2411, 2537, 2734, 2944, 3084, 3269, 3362, 3459, 3676, 3837, 9999';
const IRISH = "('Dublin', 'Cork', 'Galway', 'Limerick', 'Waterford')";

/** `col` within [from 23:59:59, 2027-02-11 23:59:59]. */
const within = (col: string, from: string): string =>
    `${col} >= '${from}' AND ${col} < '2027-02-12' AND CAST(${col} AS TIMESTAMP) BETWEEN TIMESTAMP '${from} 23:59:59' AND TIMESTAMP '2027-02-11 23:59:59'`;
/** `col` not after 2027-02-11 23:59:59. */
const byNow = (col: string): string => `CAST(${col} AS TIMESTAMP) <= TIMESTAMP '2027-02-11 23:59:59'`;

const BIG_SPENDERS = [
    `SELECT customer_id FROM customers WHERE customer_id IN (SELECT customer_id FROM purchases GROUP BY customer_id HAVING sum(amount) > 6000)`,
    `SELECT c.customer_id FROM customers c JOIN (SELECT customer_id, sum(amount) AS s FROM purchases GROUP BY customer_id) p ON p.customer_id = c.customer_id WHERE p.s > 6000`
];

/** The same text runs on DuckDB and PostgreSQL. */
export function typedShapes(segment: string): readonly string[] {
    const notCalled = 'c.do_not_call IS DISTINCT FROM 1';
    switch (segment) {
        case 'DoNotCall': return [`SELECT customer_id FROM customers WHERE customer_id IN (${DO_NOT_CALL})`];
        case 'HighBalance': return ['SELECT customer_id FROM customers WHERE credit_balance > 5000'];
        case 'HighBalanceFollowUp': return [
            `SELECT customer_id FROM customers WHERE credit_balance > 5000 AND customer_id NOT IN (${DO_NOT_CALL})`,
            `SELECT customer_id FROM customers WHERE credit_balance > 5000 EXCEPT SELECT customer_id FROM customers WHERE customer_id IN (${DO_NOT_CALL})`
        ];
        case 'LapsedBuyers': return [
            `SELECT c.customer_id FROM customers c WHERE c.customer_id IN (SELECT customer_id FROM purchases WHERE ${byNow('purchased_at')})
  AND c.customer_id NOT IN (SELECT customer_id FROM purchases WHERE ${within('purchased_at', '2026-08-15')} AND customer_id IS NOT NULL)`,
            `SELECT c.customer_id FROM customers c WHERE EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND ${byNow('p.purchased_at')})
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND ${within('p.purchased_at', '2026-08-15')})`,
            `SELECT customer_id FROM purchases WHERE ${byNow('purchased_at')} AND customer_id IN (SELECT customer_id FROM customers)
GROUP BY customer_id HAVING max(CASE WHEN ${within('purchased_at', '2026-08-15')} THEN 1 ELSE 0 END) = 0`
        ];
        case 'FrequentBuyers': return [
            `SELECT customer_id FROM customers WHERE customer_id IN (SELECT customer_id FROM purchases WHERE ${within('purchased_at', '2026-11-13')} GROUP BY customer_id HAVING count(*) >= 5)`,
            `SELECT c.customer_id FROM customers c JOIN purchases p ON p.customer_id = c.customer_id WHERE ${within('p.purchased_at', '2026-11-13')} GROUP BY c.customer_id HAVING count(*) >= 5`
        ];
        case 'BigSpenders': return BIG_SPENDERS;
        case 'VipNotDoNotCall': return BIG_SPENDERS.map(s => `${s} AND ${s.startsWith('SELECT c.') ? 'c.' : ''}customer_id NOT IN (${DO_NOT_CALL})`);
        case 'NeverPurchased': return [
            'SELECT c.customer_id FROM customers c WHERE NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id)',
            'SELECT customer_id FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM purchases WHERE customer_id IS NOT NULL)',
            'SELECT c.customer_id FROM customers c LEFT JOIN purchases p ON p.customer_id = c.customer_id WHERE p.purchase_id IS NULL'
        ];
        case 'IrishSecurityProspects': return [
            `SELECT c.customer_id FROM customers c WHERE c.city IN ${IRISH} AND ${notCalled}
  AND c.customer_id IN (SELECT customer_id FROM interactions WHERE (topic = 'security' OR kind LIKE '%visit%') AND ${within('occurred_at', '2026-11-13')})
  AND NOT EXISTS (SELECT 1 FROM purchases p JOIN products pr ON pr.product_id = p.product_id WHERE p.customer_id = c.customer_id AND pr.category = 'Security')`,
            `SELECT c.customer_id FROM customers c WHERE c.city IN ${IRISH} AND ${notCalled}
  AND EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.customer_id AND (i.topic = 'security' OR i.kind LIKE '%visit%') AND ${within('i.occurred_at', '2026-11-13')})
  AND c.customer_id NOT IN (SELECT p.customer_id FROM purchases p WHERE p.product_id IN (SELECT product_id FROM products WHERE category = 'Security') AND p.customer_id IS NOT NULL)`
        ];
        case 'TopSpenders': return [
            `SELECT c.customer_id FROM customers c JOIN purchases p ON p.customer_id = c.customer_id WHERE c.city IN ${IRISH}
GROUP BY c.customer_id ORDER BY sum(p.amount) DESC, c.customer_id LIMIT 100`,
            `SELECT c.customer_id FROM customers c JOIN (SELECT customer_id, sum(amount) AS s FROM purchases GROUP BY customer_id) p ON p.customer_id = c.customer_id
WHERE c.city IN ${IRISH} ORDER BY p.s DESC, c.customer_id LIMIT 100`
        ];
        case 'SecurityLowSatisfaction': {
            const security = "SELECT product_id FROM products WHERE category = 'Security' AND product_id <> 5567";
            return [
                `SELECT c.customer_id FROM customers c WHERE c.satisfaction < 60 AND c.customer_id IN (SELECT p.customer_id FROM purchases p WHERE p.product_id IN (${security}))`,
                `SELECT c.customer_id FROM customers c WHERE c.satisfaction < 60 AND EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND p.product_id IN (${security}))`,
                `SELECT DISTINCT c.customer_id FROM customers c JOIN purchases p ON p.customer_id = c.customer_id JOIN products r ON r.product_id = p.product_id
WHERE c.satisfaction < 60 AND r.category = 'Security' AND r.product_id <> 5567`
            ];
        }
        case 'ValentinesEarly': {
            const gifts = (p: string): string => `${p}product_id IN (SELECT product_id FROM products WHERE category = 'Gifts') AND ${within(`${p}purchased_at`, '2026-12-31')}`;
            return [
                `SELECT c.customer_id FROM customers c WHERE c.email IS NOT NULL AND c.email <> ''
  AND c.customer_id IN (SELECT customer_id FROM interactions WHERE topic IN ('valentines', 'gifts') AND ${within('occurred_at', '2026-12-31')})
  AND c.customer_id NOT IN (SELECT p.customer_id FROM purchases p WHERE ${gifts('p.')} AND p.customer_id IS NOT NULL)`,
                `SELECT c.customer_id FROM customers c WHERE c.email IS NOT NULL AND c.email <> ''
  AND EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.customer_id AND i.topic IN ('valentines', 'gifts') AND ${within('i.occurred_at', '2026-12-31')})
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND ${gifts('p.')})`
            ];
        }
        case 'ValentinesLastMinute': {
            const gifts = (p: string): string => `${p}product_id IN (SELECT product_id FROM products WHERE category = 'Gifts') AND ${within(`${p}purchased_at`, '2027-02-08')}`;
            return [
                `SELECT c.customer_id FROM customers c WHERE c.customer_id IN (SELECT customer_id FROM interactions WHERE topic = 'valentines' AND ${within('occurred_at', '2027-02-08')})
  AND NOT EXISTS (SELECT 1 FROM purchases p WHERE p.customer_id = c.customer_id AND ${gifts('p.')})`,
                `SELECT c.customer_id FROM customers c WHERE EXISTS (SELECT 1 FROM interactions i WHERE i.customer_id = c.customer_id AND i.topic = 'valentines' AND ${within('i.occurred_at', '2027-02-08')})
  AND c.customer_id NOT IN (SELECT p.customer_id FROM purchases p WHERE ${gifts('p.')} AND p.customer_id IS NOT NULL)`
            ];
        }
        default: return [];
    }
}
