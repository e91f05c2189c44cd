// `npm run docs:settings`: rewrite README.md's Configuration table from the settings module.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { withSettingsTable } from './settings-docs';

const readmePath = path.resolve(import.meta.dirname, '../../../README.md');
const before = readFileSync(readmePath, 'utf8');
const after = withSettingsTable(before);
if (after !== before) writeFileSync(readmePath, after);
console.log(
  after === before ? 'README.md Configuration table already up to date.' : 'README.md Configuration table regenerated.',
);
