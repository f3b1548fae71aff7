import { describe, expect, test } from 'vitest';
import { build, run } from '../support/harness.js';

// §1: a keyword is a plain name where no keyword can stand: a table after `from`, a column
// after `column`, an attribute in its declaration, the attribute after `key`, and a name after
// `Entity.`. Table and column names may also be strings.

const MEMBERS = `
entity Member from members key MemberNo {
  MemberNo  number
  status    text
  At        datetime  column time
}
`;

const MEMBER_ROWS = `
create table members("MemberNo" integer primary key, status text, time text);
insert into members values (1, 'active', '2027-01-05 10:00:00'), (2, 'lapsed', '2027-02-01 09:00:00'), (3, 'active', '2026-06-01 08:00:00'), (4, null, '2027-01-20 12:00:00');
`;

describe('keywords as names', () => {
    test('`entity Member from members key MemberNo`, `At datetime column time` and `Member.status`', async () => {
        const keys = await run(`${MEMBERS}
dynamic segment Active { audience Member  show Member.status  group { Member.status = "active" } }
dynamic segment RecentActive { audience Member  group { Member.status = "active" and At in last 60 days } }
dynamic segment NotActive { audience Member  group { not Member.status = "active" } }
`, MEMBER_ROWS);
        expect(await keys('Active')).toEqual([1, 3]);
        expect(await keys('RecentActive')).toEqual([1]);
        expect(await keys('NotActive')).toEqual([2, 4]);
    });

    test('a key attribute named like a keyword, and tables and columns named like keywords or as strings', async () => {
        const keys = await run(`
entity Group from group key key {
  key    text    column from
  title  text    column where
}
entity Line from "order lines" key LineNo {
  LineNo  number  column "line no"
  count   number  column "e-mail"
  group   text    column "group.key" -> Group
}
dynamic segment BigGroups {
  audience Group
  group { sum(Line.count) >= 5 and Group.title != "x" }
}
dynamic segment Keyed { audience Group  group { Group.key in ("a", "c") } }
`, `
create table "group"("from" text primary key, "where" text);
insert into "group" values ('a', 'First'), ('b', 'Second'), ('c', 'x');
create table "order lines"("line no" integer primary key, "e-mail" integer, "group.key" text);
insert into "order lines" values (1, 3, 'a'), (2, 4, 'a'), (3, 9, 'b'), (4, 1, 'c'), (5, 8, 'c');
`);
        expect(await keys('BigGroups')).toEqual(['a', 'b']);
        expect(await keys('Keyed')).toEqual(['a', 'c']);
    });

    test('aggregates and `show` over keyword-named attributes of a related entity', async () => {
        const keys = await run(`${MEMBERS}
entity Visit from visits key Id {
  Id      number
  member  number    column "from" -> Member
  date    date      column date
}
dynamic segment Visitors {
  audience Member
  group { count(Visit where Visit.date after 2027-01-01) >= 2 }
}
dynamic segment LastVisitLate { audience Member  group { max(Visit.date) >= 2027-02-01 } }
`, `${MEMBER_ROWS}
create table visits(Id integer primary key, "from" integer, date text);
insert into visits values (1, 1, '2027-01-02'), (2, 1, '2027-01-03'), (3, 2, '2027-02-02'), (4, 3, '2026-12-31'), (5, 3, '2027-01-09');
`);
        expect(await keys('Visitors')).toEqual([1]);
        expect(await keys('LastVisitLate')).toEqual([2]);
    });

    test('version 2 keywords (`time`, `table`, `file`, `top`, ...) used by a version 1 file as column and attribute names still work after `Entity.`', async () => {
        const keys = await run(`
entity Booking from bookings key Id {
  Id     number
  table  number    column table
  time   datetime  column time
  file   text      column file
}
dynamic segment Window { audience Booking  group { Booking.table = 4 or Booking.time before 2027-01-01 } }
dynamic segment Filed { audience Booking  group { Booking.file is not empty } }
`, `
create table bookings(Id integer primary key, "table" integer, time text, file text);
insert into bookings values (1, 4, '2027-01-05T10:00:00', null), (2, 2, '2026-12-24T20:00:00', 'a.pdf'), (3, 1, '2027-01-06T10:00:00', null);
`);
        expect(await keys('Window')).toEqual([1, 2]);
        expect(await keys('Filed')).toEqual([2]);
    });

    test('before the fix: `from members` was a syntax error followed by a misleading `table-missing`', async () => {
        const built = await build(`${MEMBERS}\ndynamic segment Active { audience Member  group { Member.status = "active" } }\n`);
        expect(built.diagnostics.map(d => String(d.code))).toEqual([]);
        expect(built.plans.plans.has('Active')).toBe(true);
    });
});
