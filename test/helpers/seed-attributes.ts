// Reads the attribute list of every table from the seed product page (Stitch's Intercom page, plain text):
// each table's block runs from its "<table> Attributes" heading to the next table heading; lines like
// "Admin ID (" / "id" / ")type" and "company_id - This is the ID..." are reduced to attribute names.
import { readFileSync } from 'node:fs';
import { sharedPath } from './shared.js';

export const SEED_PAGE = sharedPath('reference', 'seed', 'stitch-intercom-integration.txt');

export function seedAttributes(text: string = readFileSync(new URL(SEED_PAGE, `file://${process.cwd()}/`), 'utf8')): Map<string, string[]> {
  const lines = text.split('\n');
  const tables = new Map<string, string[]>();
  const isTableStart = (i: number): boolean => /^Replication Method:/.test(lines[i + 1] ?? '') && /^[a-z_]+$/.test(lines[i]!.trim());
  for (let i = 0; i < lines.length; i++) {
    if (!isTableStart(i)) continue;
    const table = lines[i]!.trim();
    let j = i + 1;
    while (j < lines.length && !lines[j]!.includes(`${table} Attributes`)) j++;
    // Skip the heading line and the "While we try ... Refer to Intercom's documentation ..." line.
    while (j < lines.length && !/^Refer to Intercom/.test(lines[j]!) && !/Refer to Intercom's documentation/.test(lines[j]!)) j++;
    const body: string[] = [];
    for (j++; j < lines.length && !isTableStart(j) && !/^Related \|/.test(lines[j]!); j++) body.push(lines[j]!);
    const joined = body.join('\n')
      .replace(/^[A-Za-z ]+ ID \(\nid\n\)(?: - [^\n]*?\.)?/m, 'id\n'); // "Lead ID (" "id" ")created_at"
    const names = joined.split('\n')
      .map((l) => l.replace(/ - .*$/, '').trim())
      .filter((l) => l && l !== '*')
      .map((l) => l.replace(/\s+/g, '_'));
    tables.set(table, [...new Set(names)]);
  }
  return tables;
}
