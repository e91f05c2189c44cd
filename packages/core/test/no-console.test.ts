import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRelative, repoSources } from './repo-sources';

// Every process writes through its pino logger (createLogger, handed in): JSON lines with the request or run id,
// secrets masked. A `console.*` call in a package's or app's source would bypass all of that, so this scan fails
// on any, except at the top level of a command-line entry point (a `*cli.ts` file printing its own output, such
// as `npm run docs:settings` printing the settings table).

const CONSOLE = /\bconsole\.(log|info|warn|error|debug|trace|dir|table)\s*\(/;

/** `file:line: text` of each console call that is not a CLI's top-level statement. */
export function consoleCalls(files: string[], read: (file: string) => string = (f) => readFileSync(f, 'utf8')) {
  const found: string[] = [];
  for (const file of files) {
    const cli = /cli\.(ts|mjs)$/.test(path.basename(file));
    read(file)
      .split('\n')
      .forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (!CONSOLE.test(code)) return;
        if (cli && /^console\./.test(code)) return; // a CLI's own top-level output
        found.push(`${repoRelative(file)}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('no console output outside a CLI’s top level', () => {
  it('finds no console.* call in packages/*/src or apps/*/src', () => {
    expect(repoSources.length).toBeGreaterThan(100);
    expect(consoleCalls(repoSources)).toEqual([]);
  });

  it('would catch a console fallback, and only allows a CLI’s top-level statement', () => {
    const sources: Record<string, string> = {
      '/r/packages/mail/src/dispatcher.ts': "  const onError = (e) => console.error('[mail]', e);",
      '/r/packages/runtime/src/rejections.ts': '    else console.warn(`[webhook] rejected`);',
      '/r/packages/core/src/docs-settings-cli.ts': 'console.log(table);\nfunction f() {\n  console.log(1);\n}',
      '/r/packages/core/src/quiet.ts': '// console.log(x) in a comment is fine',
    };
    const found = consoleCalls(Object.keys(sources), (f) => sources[f]);
    expect(found).toHaveLength(3);
    expect(found.join('\n')).toMatch(/dispatcher\.ts:1/);
    expect(found.join('\n')).toMatch(/rejections\.ts:1/);
    expect(found.join('\n')).toMatch(/docs-settings-cli\.ts:3/);
  });
});
