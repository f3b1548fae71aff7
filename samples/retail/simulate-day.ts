/**
 * Appends one simulated day of interactions and purchases to the retail sample database, so
 * the VS Code extension's automatic refresh and trendlines can be seen without real customers.
 * The day is the one after the latest recorded activity; its rows are seeded by that date, so
 * the same database always gets the same day. The file is replaced atomically.
 *
 *   npx tsx samples/retail/simulate-day.ts [path/to/retail.sqlite]
 */
import { open, readFile, rename } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';
import initSqlJs, { type Database } from 'sql.js';

export interface SimulatedDay {
    readonly day: string;
    readonly purchases: number;
    readonly interactions: number;
}

const KINDS = ['email_open', 'web_visit', 'store_visit', 'chat', 'support_call'];
const TOPICS = ['valentines', 'gifts', 'security', 'billing', 'general', 'valentines', 'security'];
const CHANNELS = ['web', 'store', 'phone', 'partner'];

function mulberry32(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

function one(db: Database, sql: string): string | number | null {
    const rows = db.exec(sql);
    return rows.length ? (rows[0].values[0][0] as string | number | null) : null;
}

function column(db: Database, sql: string): number[] {
    const rows = db.exec(sql);
    return rows.length ? rows[0].values.map(r => Number(r[0])) : [];
}

/** Adds the simulated day to an open sample database; returns what was added. */
export function appendSimulatedDay(db: Database, purchases = 60, interactions = 160): SimulatedDay {
    const latest = String(one(db, `SELECT MAX(d) FROM (
        SELECT MAX(substr(purchased_at, 1, 10)) AS d FROM purchases UNION ALL SELECT MAX(substr(occurred_at, 1, 10)) FROM interactions)`) ?? '2027-02-11');
    const next = new Date(Date.parse(`${latest}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    const random = mulberry32(Number(next.replace(/-/g, '')));
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
    const customers = column(db, 'SELECT customer_id FROM customers ORDER BY customer_id');
    const neverBought = column(db, 'SELECT customer_id FROM customers WHERE customer_id NOT IN (SELECT customer_id FROM purchases WHERE customer_id IS NOT NULL) ORDER BY customer_id');
    const products = db.exec('SELECT product_id, price FROM products ORDER BY product_id')[0]?.values.map(r => ({ id: Number(r[0]), price: Number(r[1]) })) ?? [];
    let purchaseId = Number(one(db, 'SELECT MAX(purchase_id) FROM purchases') ?? 0);
    let interactionId = Number(one(db, 'SELECT MAX(interaction_id) FROM interactions') ?? 0);
    const time = (): string => {
        const s = Math.floor(random() * 86_400);
        const pad = (n: number): string => String(n).padStart(2, '0');
        return `${next} ${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}`;
    };
    db.run('BEGIN');
    const buy = db.prepare('INSERT INTO purchases (purchase_id, customer_id, product_id, purchased_at, amount, channel) VALUES (?, ?, ?, ?, ?, ?)');
    for (let i = 0; i < purchases; i++) {
        // A few first orders from customers who never bought: the "never purchased" segment shrinks.
        const customer = i < 5 && neverBought.length ? neverBought[Math.floor(random() * neverBought.length)] : pick(customers);
        const product = pick(products);
        buy.run([++purchaseId, customer, product.id, time(), Math.round(product.price * (0.8 + random() * 0.2) * 100) / 100, pick(CHANNELS)]);
    }
    buy.free();
    const touch = db.prepare('INSERT INTO interactions (interaction_id, customer_id, kind, topic, occurred_at) VALUES (?, ?, ?, ?, ?)');
    for (let i = 0; i < interactions; i++) touch.run([++interactionId, pick(customers), pick(KINDS), pick(TOPICS), time()]);
    touch.free();
    db.run('COMMIT');
    return { day: next, purchases, interactions };
}

/** Reads the database file, appends the day, writes it back atomically (temporary file, rename). */
export async function simulateDay(file: string): Promise<SimulatedDay> {
    const SQL = await initSqlJs();
    const db = new SQL.Database(await readFile(file));
    try {
        const day = appendSimulatedDay(db);
        const temp = join(dirname(file), `.${basename(file)}.${process.pid}.tmp`);
        const handle = await open(temp, 'w');
        try {
            await handle.writeFile(db.export());
            await handle.sync();
        } finally {
            await handle.close();
        }
        await rename(temp, file);
        return day;
    } finally {
        db.close();
    }
}

// Run as a script only: bundled into the evaluator, whose worker thread's argv names the bundle, it must not run.
if (isMainThread && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
    const file = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'retail.sqlite');
    simulateDay(file).then(
        day => console.log(`${file}: added ${day.day} with ${day.purchases} purchases and ${day.interactions} interactions`),
        (e: unknown) => { console.error(e instanceof Error ? e.message : String(e)); process.exitCode = 1; });
}
