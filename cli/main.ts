import { Command, InvalidArgumentError, Option } from 'commander';
import { DatabaseError } from '../engine/engine.js';
import { MembersFileError } from '../engine/members-file.js';
import type { DialectName } from '../compiler/sql/dialect.js';
import { check, run, schema, sql, type EngineName, type Io } from './commands.js';
import type { CheckFormat } from './check-report.js';
import { diff, type DiffOptions } from './diff-command.js';
import { UsageError } from './errors.js';
import { fmt } from './fmt-command.js';
import { test } from './test-command.js';
import { REPORTERS, type ReporterName } from './test-reporters.js';
import { history, type HistoryOptions } from './history-command.js';
import { parseDuration, refreshCommand, type WatchOptions } from './watch.js';

const io: Io = {
    out: text => process.stdout.write(`${text}\n`),
    err: text => process.stderr.write(`${text}\n`)
};

function positiveInteger(value: string): number {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number, 0 or more');
    return n;
}

const program = new Command()
    .name('segments')
    .description('Customer segments as code: check, run and inspect .segment files.')
    .showHelpAfterError()
    .exitOverride();

program.command('check')
    .description('print every error and warning (text: file:line:col: severity: message [code]); exit 1 on errors')
    .argument('<paths...>', '.segment files or folders')
    .addOption(new Option('-f, --format <format>', 'text, JSON (diagnostics and a summary) or GitHub Actions annotations').choices(['text', 'json', 'github']).default('text'))
    .action(async (paths: string[], options: { format: CheckFormat }) => { process.exitCode = await check(paths, io, options.format); });

program.command('fmt')
    .description("format .segment files as the editor does (files with syntax errors are left as they are); exit 1 on a syntax error")
    .argument('<paths...>', '.segment files or folders')
    .option('--check', 'write nothing; name the files that would change and exit 1 if any would')
    .action(async (paths: string[], options: { check?: boolean }) => { process.exitCode = await fmt(paths, options, io); });

program.command('run')
    .description('run the named segment, or every segment declared in PATH, and print its members')
    .argument('<path>', 'a .segment file or a folder (the whole workspace folder is loaded)')
    .option('-s, --segment <name>', 'the segment to run')
    .option('--as-of <date>', 'evaluate as of a date (YYYY-MM-DD) or datetime (YYYY-MM-DDTHH:MM:SS), UTC: records of event entities after it do not exist')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option('-l, --limit <n>', 'list at most n keys (the count is always complete)', positiveInteger)
    .addOption(new Option('-e, --engine <engine>', 'the database engine: sql.js on the database file, DuckDB on it (a SQLite, DuckDB, Parquet or CSV file), or a PostgreSQL server').choices(['sqljs', 'duckdb', 'postgres']).default('sqljs'))
    .option('--url <url>', 'PostgreSQL connection URL for --engine postgres (default: $SEGMENTS_PG_URL)')
    .option('--schema <name>', 'the PostgreSQL schema to read for --engine postgres (default: public)')
    .action(async (path: string, options: { segment?: string; asOf?: string; format: 'table' | 'json' | 'csv'; limit?: number; engine: EngineName; url?: string; schema?: string }) => {
        process.exitCode = await run(path, options, io);
    });

program.command('sql')
    .description("print the SQL that returns the segment's members (the query view)")
    .argument('<path>', 'a .segment file or a folder')
    .requiredOption('-s, --segment <name>', 'the segment')
    .option('--as-of <date>', 'resolve today and now (and which records of event entities exist) as of this date or datetime')
    .addOption(new Option('-d, --dialect <dialect>', 'the SQL dialect').choices(['sqlite', 'postgres', 'duckdb']).default('sqlite'))
    .action(async (path: string, options: { segment: string; asOf?: string; dialect: DialectName }) => { process.exitCode = await sql(path, options, io); });

program.command('schema')
    .description('write a schema (database line and one entity per table) generated from a SQLite or DuckDB file, or a PostgreSQL schema')
    .argument('[database]', 'a SQLite file (or, with --engine duckdb, a DuckDB, Parquet or CSV file)')
    .option('-o, --out <file>', 'write the schema to this file, its database path relative to it (default: stdout, relative to the current folder)')
    .addOption(new Option('-e, --engine <engine>', 'read the tables with sql.js, DuckDB, or from a PostgreSQL server').choices(['sqljs', 'duckdb', 'postgres']).default('sqljs'))
    .option('--url <url>', 'PostgreSQL connection URL for --engine postgres (default: $SEGMENTS_PG_URL)')
    .option('--schema <name>', 'the PostgreSQL schema to read (default: public)')
    .action(async (file: string | undefined, options: { out?: string; engine: EngineName; url?: string; schema?: string }) => {
        process.exitCode = await schema(file, options, io);
    });

program.command('diff')
    .description('the segments whose definition differs between a git revision and the working tree, or that depend on one that does: members before and after on the same data')
    .argument('[path]', 'a .segment file or a folder (default: the current folder; the whole workspace folder is loaded)')
    .option('-b, --base <rev>', 'the git revision to compare with', 'HEAD')
    .option('--as-of <date>', 'run both sides as of this date or datetime, UTC (default: now)')
    .addOption(new Option('-f, --format <format>', 'output format (markdown: a pull-request comment)').choices(['table', 'json', 'markdown']).default('table'))
    .option('-l, --limit <n>', 'list at most n entered and n left keys per segment (default 10; counts are complete)', positiveInteger)
    .addOption(new Option('-e, --engine <engine>', 'the database engine, as for run').choices(['sqljs', 'duckdb', 'postgres']).default('sqljs'))
    .option('--url <url>', 'PostgreSQL connection URL for --engine postgres (default: $SEGMENTS_PG_URL)')
    .option('--schema <name>', 'the PostgreSQL schema to read for --engine postgres (default: public)')
    .action(async (path: string | undefined, options: DiffOptions) => { process.exitCode = await diff(path, options, io); });
program.command('test')
    .description('run the tests written beside the segments in PATH (`test NAME as of DATE { ... }`); exit 1 when one fails')
    .argument('<path>', 'a .segment file or a folder (the whole workspace folder is loaded)')
    .addOption(new Option('-e, --engine <engine...>', 'the engines to run every test on (several allowed)').choices(['sqljs', 'duckdb', 'postgres']).default(['sqljs']))
    .addOption(new Option('-r, --reporter <reporter>', 'output: text, JSON, JUnit XML, or GitHub annotations').choices([...REPORTERS]).default('default'))
    .option('--url <url>', 'PostgreSQL connection URL for --engine postgres (default: $SEGMENTS_PG_URL)')
    .action(async (path: string, options: { engine: EngineName[]; reporter: ReporterName; url?: string }) => {
        process.exitCode = await test(path, options, io);
    });

program.command('refresh')
    .description('evaluate the active segments whose data or definition changed since the last refresh, record them in the history store, send them to their destinations; one line per segment')
    .argument('<path>', 'a .segment file or a folder (the whole workspace folder is loaded)')
    .option('--as-of <date>', 'evaluate as of this date or datetime (UTC) instead of now')
    .addOption(new Option('-e, --engine <engine>', 'the database engine').choices(['sqljs', 'duckdb', 'postgres']).default('sqljs'))
    .option('--url <url>', 'PostgreSQL connection URL for --engine postgres (default: $SEGMENTS_PG_URL)')
    .option('--schema <name>', 'the PostgreSQL schema to read for --engine postgres (default: public)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--history <file>', 'the history store (default: NAME.history.sqlite beside the database)')
    .option('-w, --watch', 'keep running: refresh when the database file or a .segment file changes (PostgreSQL: every --poll)')
    .option('--every <duration>', 'keep running: refresh on a schedule (30s, 15m, 1h)', parseDuration)
    .option('--poll <duration>', 'with --watch on PostgreSQL, how often to look for changes (default 30s)', parseDuration)
    .option('--retry-cap <duration>', 'the longest wait between two tries of a webhook that does not answer 2xx (default 1m; the wait doubles from 1s)', parseDuration)
    .action(async (path: string, options: WatchOptions) => { process.exitCode = await refreshCommand(path, options, io); });

program.command('history')
    .description("a segment's recorded refreshes (instant, count, entered, left), the keys that moved, or its members at one refresh")
    .argument('<path>', 'a .segment file or a folder')
    .requiredOption('-s, --segment <name>', 'the segment')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['table', 'json', 'csv']).default('table'))
    .option('--changes', 'list the keys that entered and left at each refresh')
    .option('--members-at <run>', 'the members just after a refresh: its number, or an instant (the latest refresh recorded at or before it)')
    .option('--history <file>', 'the history store (default: NAME.history.sqlite beside the database)')
    .action(async (path: string, options: HistoryOptions) => { process.exitCode = await history(path, options, io); });

async function main(): Promise<void> {
    try {
        await program.parseAsync(process.argv);
    } catch (e) {
        if (e instanceof DatabaseError || e instanceof MembersFileError || e instanceof UsageError) {
            io.err(`segments: ${e.message}`);
            process.exitCode = 2;
        } else if (e && typeof e === 'object' && 'exitCode' in e && 'code' in e && String((e as { code: unknown }).code).startsWith('commander.')) {
            process.exitCode = (e as { exitCode: number }).exitCode === 0 ? 0 : 2;
        } else {
            io.err(`segments: internal error: ${e instanceof Error ? e.message : String(e)}`);
            if (process.env.SEGMENTS_DEBUG) io.err(e instanceof Error ? e.stack ?? '' : '');
            io.err('This is a bug in Segments, not in your files; set SEGMENTS_DEBUG=1 for details.');
            process.exitCode = 3;
        }
    }
}

void main();
