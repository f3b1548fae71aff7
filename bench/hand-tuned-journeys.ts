/**
 * Hand-tuned queries for the journey segments (samples/retail/journeys.segment, reference 6.3),
 * as of 2027-02-11 (now 2027-02-11 23:59:59), written without the compiler: several shapes per
 * engine, each returning the same keys as the segment on the retail data (mixed datetime forms,
 * no fractions or offsets, nothing after the as-of instant), timed in turns by
 * `npx tsx bench/journey-shapes.ts medium ENGINE`; the fastest is kept (`KEPT`) and the benchmark
 * compares the compiler's SQL with it.
 *
 * AbandonedCart: a cart more than two days before now, and no purchase in the 2 days after it.
 * EmailConverted: an email opened, a web visit within a day after it, a Security purchase within
 * 7 days after the visit; satisfaction at least 50.
 */
export type JourneyEngine = 'sqlite' | 'duckdb' | 'postgres';

type Shapes = Readonly<Record<string, string>>;

// ---- SQLite (sql.js and native) -------------------------------------------------------------

/** Carts more than two days ago, their times read once. */
const SQLITE_CARTS = `SELECT customer_id AS p, datetime(occurred_at) AS t FROM interactions
  WHERE kind = 'cart' AND occurred_at < '2027-02-10' AND datetime(occurred_at) < '2027-02-09 23:59:59' AND customer_id IS NOT NULL`;

const SQLITE_ABANDONED: Shapes = {
    // Carts and the cart customers' purchases after the first cart sorted per customer, latest
    // first: the earliest purchase after each cart is a running minimum.
    window: `WITH c AS MATERIALIZED (${SQLITE_CARTS})
SELECT customer_id FROM customers WHERE customer_id IN (
  SELECT p FROM (
    SELECT p, t, k, MIN(CASE WHEN k = 1 THEN t END) OVER (PARTITION BY p ORDER BY t DESC, k ROWS UNBOUNDED PRECEDING) AS next
    FROM (SELECT p, t, 0 AS k FROM c
          UNION ALL SELECT customer_id, datetime(purchased_at), 1 FROM purchases
          WHERE purchased_at >= (SELECT substr(MIN(t), 1, 10) FROM c) AND +customer_id IN (SELECT p FROM c)))
  WHERE k = 0 AND (next IS NULL OR next > datetime(t, '+2 days')))`,
    // The purchases read once in order, each looking up its customer's carts in a temporary
    // index (CROSS JOIN keeps that order; LIMIT -1 keeps the purchases a co-routine).
    probe: `WITH c AS MATERIALIZED (SELECT interaction_id AS id, customer_id AS p, datetime(occurred_at) AS t, datetime(occurred_at, '+2 days') AS u FROM interactions
  WHERE kind = 'cart' AND occurred_at < '2027-02-10' AND datetime(occurred_at) < '2027-02-09 23:59:59' AND customer_id IS NOT NULL)
SELECT customer_id FROM customers WHERE customer_id IN (
  SELECT p FROM c WHERE id NOT IN (
    SELECT c.id FROM (SELECT customer_id AS p, datetime(purchased_at) AS t FROM purchases
                      WHERE purchased_at >= (SELECT substr(MIN(t), 1, 10) FROM c) LIMIT -1) AS b
    CROSS JOIN c ON c.p = b.p WHERE b.t > c.t AND b.t <= c.u))`,
    // The window shape with times as whole seconds since 1970 (`unixepoch`: the data's times
    // have no fractions or offsets): integers sort and compare cheaper than text; `+customer_id`
    // keeps SQLite from reading the purchases in customer order through the index.
    seconds: `WITH c AS MATERIALIZED (SELECT customer_id AS p, unixepoch(occurred_at) AS t FROM interactions
  WHERE kind = 'cart' AND occurred_at < '2027-02-10' AND datetime(occurred_at) < '2027-02-09 23:59:59' AND customer_id IS NOT NULL)
SELECT customer_id FROM customers WHERE customer_id IN (
  SELECT p FROM (
    SELECT p, t, k, MIN(CASE WHEN k = 1 THEN t END) OVER (PARTITION BY p ORDER BY t DESC, k ROWS UNBOUNDED PRECEDING) AS next
    FROM (SELECT p, t, 0 AS k FROM c
          UNION ALL SELECT +customer_id, unixepoch(purchased_at), 1 FROM purchases
          WHERE purchased_at >= (SELECT date(MIN(t), 'unixepoch') FROM c) AND customer_id IS NOT NULL))
  WHERE k = 0 AND (next IS NULL OR next > t + 172800))`,
    // The way it is usually written: for each cart, its customer's purchases through the foreign
    // key's index (a random row read for each purchase of each cart).
    correlated: `SELECT customer_id FROM customers WHERE customer_id IN (
  SELECT c.p FROM (${SQLITE_CARTS}) AS c WHERE NOT EXISTS (
    SELECT 1 FROM purchases pu WHERE pu.customer_id = c.p AND pu.purchased_at >= substr(c.t, 1, 10)
      AND datetime(pu.purchased_at) > c.t AND datetime(pu.purchased_at) <= datetime(c.t, '+2 days')))`
};

const SQLITE_OPENS = `SELECT customer_id AS p, datetime(occurred_at) AS t, datetime(occurred_at, '+1 day') AS u FROM interactions WHERE kind = 'email_open' AND customer_id IS NOT NULL`;
const SQLITE_VISITS = `SELECT customer_id AS p, datetime(occurred_at) AS t FROM interactions WHERE kind = 'web_visit' AND customer_id IS NOT NULL`;
const SQLITE_SECURITY = `SELECT customer_id AS p, datetime(purchased_at) AS t FROM purchases
  WHERE product_id IN (SELECT product_id FROM products WHERE category = 'Security') AND customer_id IS NOT NULL`;

const SQLITE_CONVERTED: Shapes = {
    // Two sorted passes: visits after an opening within a day (the latest window end among the
    // earlier openings reaches the visit), then Security purchases the same way after the visits.
    window: `WITH o AS MATERIALIZED (${SQLITE_OPENS}),
v AS MATERIALIZED (SELECT p, t FROM (
    SELECT p, t, k, MAX(CASE WHEN k = 0 THEN u END) OVER (PARTITION BY p ORDER BY t, k DESC ROWS UNBOUNDED PRECEDING) AS reach
    FROM (SELECT p, t, u, 0 AS k FROM o UNION ALL SELECT p, t, NULL, 1 FROM (${SQLITE_VISITS})))
  WHERE k = 1 AND t <= reach)
SELECT customer_id FROM customers WHERE satisfaction >= 50 AND customer_id IN (
  SELECT p FROM (
    SELECT p, t, k, MAX(CASE WHEN k = 0 THEN u END) OVER (PARTITION BY p ORDER BY t, k DESC ROWS UNBOUNDED PRECEDING) AS reach
    FROM (SELECT p, t, datetime(t, '+7 days') AS u, 0 AS k FROM v
          UNION ALL SELECT p, t, NULL, 1 FROM (${SQLITE_SECURITY}) WHERE t > (SELECT MIN(t) FROM v)))
  WHERE k = 1 AND t <= reach)`,
    // Two probe joins: the visits read once, each looking up its customer's openings in a
    // temporary index; then the Security purchases looking up the visits found.
    probe: `WITH o AS MATERIALIZED (${SQLITE_OPENS}),
v AS MATERIALIZED (SELECT DISTINCT b.p, b.t, datetime(b.t, '+7 days') AS u FROM (${SQLITE_VISITS} LIMIT -1) AS b CROSS JOIN o ON o.p = b.p WHERE o.t < b.t AND b.t <= o.u)
SELECT customer_id FROM customers WHERE satisfaction >= 50 AND customer_id IN (
  SELECT b.p FROM (${SQLITE_SECURITY} LIMIT -1) AS b CROSS JOIN v ON v.p = b.p WHERE v.t < b.t AND b.t <= v.u)`,
    // The window shape with times as whole seconds since 1970 (`unixepoch`), window ends added
    // after the sort.
    seconds: `WITH o AS MATERIALIZED (SELECT customer_id AS p, unixepoch(occurred_at) AS t FROM interactions WHERE kind = 'email_open' AND customer_id IS NOT NULL),
v AS MATERIALIZED (SELECT p, t FROM (
    SELECT p, t, k, MAX(CASE WHEN k = 0 THEN t + 86400 END) OVER (PARTITION BY p ORDER BY t, k DESC ROWS UNBOUNDED PRECEDING) AS reach
    FROM (SELECT p, t, 0 AS k FROM o UNION ALL SELECT +customer_id, unixepoch(occurred_at), 1 FROM interactions WHERE kind = 'web_visit' AND customer_id IS NOT NULL))
  WHERE k = 1 AND t <= reach)
SELECT customer_id FROM customers WHERE satisfaction >= 50 AND customer_id IN (
  SELECT p FROM (
    SELECT p, t, k, MAX(CASE WHEN k = 0 THEN t + 604800 END) OVER (PARTITION BY p ORDER BY t, k DESC ROWS UNBOUNDED PRECEDING) AS reach
    FROM (SELECT p, t, 0 AS k FROM v
          UNION ALL SELECT +customer_id, unixepoch(purchased_at), 1 FROM purchases
          WHERE product_id IN (SELECT product_id FROM products WHERE category = 'Security') AND customer_id IS NOT NULL
            AND purchased_at >= (SELECT date(MIN(t), 'unixepoch') FROM v)))
  WHERE k = 1 AND t <= reach)`,
    // A sorted pass for the visits, a probe join for the purchases (fewer visits than purchases).
    mixed: `WITH o AS MATERIALIZED (${SQLITE_OPENS}),
v AS MATERIALIZED (SELECT p, t, datetime(t, '+7 days') AS u FROM (
    SELECT p, t, k, MAX(CASE WHEN k = 0 THEN u END) OVER (PARTITION BY p ORDER BY t, k DESC ROWS UNBOUNDED PRECEDING) AS reach
    FROM (SELECT p, t, u, 0 AS k FROM o UNION ALL SELECT p, t, NULL, 1 FROM (${SQLITE_VISITS})))
  WHERE k = 1 AND t <= reach)
SELECT customer_id FROM customers WHERE satisfaction >= 50 AND customer_id IN (
  SELECT b.p FROM (${SQLITE_SECURITY} LIMIT -1) AS b CROSS JOIN v ON v.p = b.p WHERE v.t < b.t AND b.t <= v.u)`
};

// ---- DuckDB and PostgreSQL (the same SQL: text columns cast to timestamps) --------------------

const ts = (column: string): string => `CAST(${column} AS TIMESTAMP)`;

const TYPED_CARTS = `SELECT customer_id AS p, ${ts('occurred_at')} AS t FROM interactions
  WHERE kind = 'cart' AND ${ts('occurred_at')} < TIMESTAMP '2027-02-09 23:59:59' AND customer_id IS NOT NULL`;

function typedAbandoned(interval: (n: number) => string): Shapes {
    return {
        // The natural form: the planner turns it into a hash anti-join on the customer.
        antijoin: `SELECT customer_id FROM customers WHERE customer_id IN (
  SELECT c.p FROM (${TYPED_CARTS}) AS c WHERE NOT EXISTS (
    SELECT 1 FROM purchases pu WHERE pu.customer_id = c.p AND ${ts('pu.purchased_at')} > c.t AND ${ts('pu.purchased_at')} <= c.t + ${interval(2)}))`,
        // The carts met by a purchase, as a join, then the others.
        matched: `WITH c AS (${TYPED_CARTS}),
m AS (SELECT DISTINCT c.p, c.t FROM purchases pu JOIN c ON c.p = pu.customer_id
      WHERE ${ts('pu.purchased_at')} > c.t AND ${ts('pu.purchased_at')} <= c.t + ${interval(2)})
SELECT customer_id FROM customers WHERE customer_id IN (SELECT c.p FROM c WHERE NOT EXISTS (SELECT 1 FROM m WHERE m.p = c.p AND m.t = c.t))`,
        // A sorted pass per customer, latest first.
        window: `WITH c AS (${TYPED_CARTS})
SELECT customer_id FROM customers WHERE customer_id IN (
  SELECT p FROM (
    SELECT p, t, k, MIN(CASE WHEN k = 1 THEN t END) OVER (PARTITION BY p ORDER BY t DESC, k ROWS UNBOUNDED PRECEDING) AS nxt
    FROM (SELECT p, t, 0 AS k FROM c UNION ALL SELECT customer_id, ${ts('purchased_at')}, 1 FROM purchases WHERE customer_id IN (SELECT p FROM c)) AS e) AS w
  WHERE k = 0 AND (nxt IS NULL OR nxt > t + ${interval(2)}))`
    };
}

const TYPED_OPENS = `SELECT customer_id AS p, ${ts('occurred_at')} AS t FROM interactions WHERE kind = 'email_open' AND customer_id IS NOT NULL`;
const TYPED_VISITS = `SELECT customer_id AS p, ${ts('occurred_at')} AS t FROM interactions WHERE kind = 'web_visit' AND customer_id IS NOT NULL`;
const TYPED_SECURITY = `SELECT customer_id AS p, ${ts('purchased_at')} AS t FROM purchases
  WHERE product_id IN (SELECT product_id FROM products WHERE category = 'Security') AND customer_id IS NOT NULL`;

function typedConverted(interval: (n: number) => string): Shapes {
    return {
        // EXISTS chains, decorrelated into semi-joins on the customer.
        exists: `SELECT customer_id FROM customers WHERE satisfaction >= 50 AND customer_id IN (
  SELECT b.p FROM (${TYPED_SECURITY}) AS b WHERE EXISTS (
    SELECT 1 FROM (${TYPED_VISITS}) AS v WHERE v.p = b.p AND v.t < b.t AND b.t <= v.t + ${interval(7)} AND EXISTS (
      SELECT 1 FROM (${TYPED_OPENS}) AS o WHERE o.p = v.p AND o.t < v.t AND v.t <= o.t + ${interval(1)})))`,
        // Joins, the visits found kept distinct.
        joins: `WITH v AS (SELECT DISTINCT v.p, v.t FROM (${TYPED_VISITS}) AS v JOIN (${TYPED_OPENS}) AS o ON o.p = v.p AND o.t < v.t AND v.t <= o.t + ${interval(1)})
SELECT customer_id FROM customers WHERE satisfaction >= 50 AND customer_id IN (
  SELECT b.p FROM (${TYPED_SECURITY}) AS b JOIN v ON v.p = b.p AND v.t < b.t AND b.t <= v.t + ${interval(7)})`,
        // Two sorted passes per customer.
        window: `WITH v AS (SELECT p, t FROM (
    SELECT p, t, k, MAX(CASE WHEN k = 0 THEN u END) OVER (PARTITION BY p ORDER BY t, k DESC ROWS UNBOUNDED PRECEDING) AS reach
    FROM (SELECT p, t, t + ${interval(1)} AS u, 0 AS k FROM (${TYPED_OPENS}) AS o UNION ALL SELECT p, t, NULL, 1 FROM (${TYPED_VISITS}) AS v) AS e) AS w
  WHERE k = 1 AND t <= reach)
SELECT customer_id FROM customers WHERE satisfaction >= 50 AND customer_id IN (
  SELECT p FROM (
    SELECT p, t, k, MAX(CASE WHEN k = 0 THEN u END) OVER (PARTITION BY p ORDER BY t, k DESC ROWS UNBOUNDED PRECEDING) AS reach
    FROM (SELECT p, t, t + ${interval(7)} AS u, 0 AS k FROM v UNION ALL SELECT p, t, NULL, 1 FROM (${TYPED_SECURITY}) AS b) AS e) AS w
  WHERE k = 1 AND t <= reach)`
    };
}

const duckInterval = (days: number): string => `INTERVAL ${days} DAY`;
const pgInterval = (days: number): string => `INTERVAL '${days} days'`;

/** Every shape, by engine and segment. */
export const JOURNEY_SHAPES: Readonly<Record<JourneyEngine, Readonly<Record<string, Shapes>>>> = {
    sqlite: { AbandonedCart: SQLITE_ABANDONED, EmailConverted: SQLITE_CONVERTED },
    duckdb: { AbandonedCart: typedAbandoned(duckInterval), EmailConverted: typedConverted(duckInterval) },
    postgres: { AbandonedCart: typedAbandoned(pgInterval), EmailConverted: typedConverted(pgInterval) }
};

/** The fastest shape on the medium data (bench/journey-shapes.ts), the one the benchmark compares with. */
export const KEPT: Readonly<Record<JourneyEngine, Readonly<Record<string, string>>>> = {
    sqlite: { AbandonedCart: 'window', EmailConverted: 'window' },
    duckdb: { AbandonedCart: 'antijoin', EmailConverted: 'joins' },
    postgres: { AbandonedCart: 'antijoin', EmailConverted: 'joins' }
};

/** The kept hand-tuned query of a journey segment on an engine, if it is one. */
export function handTunedJourney(engine: JourneyEngine, segment: string): string | undefined {
    const shape = KEPT[engine][segment];
    return shape === undefined ? undefined : JOURNEY_SHAPES[engine][segment]?.[shape];
}
