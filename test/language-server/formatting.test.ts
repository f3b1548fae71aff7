import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHelper } from 'langium/test';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { describe, expect, test } from 'vitest';
import { URI } from 'vscode-uri';
import { services } from './support.js';
import { SAMPLE } from './lsp-process.js';

async function format(text: string, name = 'f.segment'): Promise<string> {
    const s = services();
    const document = await parseHelper(s)(text, { documentUri: URI.file(`/ws/${name}`).toString() });
    const edits = await s.lsp.Formatter!.formatDocument(document, { textDocument: { uri: document.textDocument.uri }, options: { tabSize: 2, insertSpaces: true } });
    return TextDocument.applyEdits(document.textDocument, edits);
}

describe('formatting', () => {
    test('one canonical layout', async () => {
        expect(await format('entity   Customer from customers key Id { Id number column id Name text "Full name"\n City text }\ndynamic segment A { title "A" audience Customer group Dubliners { Customer . City = "Dublin" and (Name contains "a" or Name contains "b") and count( Customer where Id > - 1 ) > 0 } exclude group { City in ( "Cork" , "Galway" ) } }\ncompound segment C { A union A }')).toBe('entity Customer from customers key Id {\n  Id    number  column id\n  Name  text    "Full name"\n  City  text\n}\n\ndynamic segment A {\n  title "A"\n  audience Customer\n\n  group Dubliners {\n    Customer.City = "Dublin"\n    and (Name contains "a" or Name contains "b")\n    and count(Customer where Id > -1) > 0\n  }\n  exclude group {\n    City in ("Cork", "Galway")\n  }\n}\n\ncompound segment C {\n  A\n  union A\n}\n');
    });

    test('version 2: measures and destinations one per line, sequences with a step per line, top and sample steps, activate', async () => {
        const text = 'entity Customer key Id time At { Id number At datetime }\n'
            + 'measure   Customer.Total "Total spent" = sum( Purchase.Amount where Purchase.Amount > - 1 )\nmeasure Customer.Visits via Visit.CustomerId = count(Visit)\n'
            + 'destination Crm { webhook "http://x" }\ndestination   Calls {\nfile "exports/{segment}.csv" }\n'
            + 'dynamic segment A { title "A" audience Customer activate Crm , Calls group { Score > 1 } union sequence Cart via Visit.CustomerId { Visit where Visit.Kind = "cart" and Visit.At before now - 2 days then no Purchase within 2 days } '
            + 'exclude group { Customer in segment B and Customer.At after Purchase.At + 2 days } top 10 % by Customer.Total desc sample 10.5% seed "x" }\n'
            + 'dynamic segment B { audience Customer sequence { Customer then Purchase within 7 days then Purchase } }\ncompound segment C { A union B top 5 by Customer.Total sample 5 % }';
        const formatted = await format(text);
        expect(formatted).toBe(`entity Customer key Id time At {
  Id  number
  At  datetime
}

measure Customer.Total "Total spent" = sum(Purchase.Amount where Purchase.Amount > -1)
measure Customer.Visits via Visit.CustomerId = count(Visit)

destination Crm { webhook "http://x" }
destination Calls {
  file "exports/{segment}.csv"
}

dynamic segment A {
  title "A"
  audience Customer
  activate Crm, Calls

  group {
    Score > 1
  }
  union sequence Cart via Visit.CustomerId {
    Visit where Visit.Kind = "cart" and Visit.At before now - 2 days
    then no Purchase within 2 days
  }
  exclude group {
    Customer in segment B
    and Customer.At after Purchase.At + 2 days
  }
  top 10% by Customer.Total desc
  sample 10.5% seed "x"
}

dynamic segment B {
  audience Customer

  sequence {
    Customer
    then Purchase within 7 days
    then Purchase
  }
}

compound segment C {
  A
  union B
  top 5 by Customer.Total
  sample 5%
}
`);
        expect(await format(formatted, 'again.segment')).toBe(formatted);
    });

    test('comments stay where they are', async () => {
        const text = '// schema\nentity E key Id { // the key\n  Id number\n  /* more */ }\n';
        expect(await format(text)).toBe('// schema\nentity E key Id { // the key\n  Id  number\n/* more */\n}\n');
    });

    test('idempotent on every sample file', async () => {
        for (const name of ['schema', 'contact', 'marketing', 'security', 'valentines']) {
            const once = await format(readFileSync(join(SAMPLE, `${name}.segment`), 'utf8'), `${name}.segment`);
            expect(await format(once, `${name}-again.segment`)).toBe(once);
        }
    });

    test('a file with syntax errors is left alone', async () => {
        expect(await format('dynamic segment A {  audience  Customer group { x = } }')).toBe('dynamic segment A {  audience  Customer group { x = } }');
    });
});
