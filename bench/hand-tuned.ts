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
