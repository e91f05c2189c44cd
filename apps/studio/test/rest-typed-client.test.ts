import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiDocument } from '~/server/rest/openapi';

// The README's typed client example compiles against types generated (openapi-typescript) from the OpenAPI document
// the studio serves today, so a route or field renamed in the document breaks this test, not a reader's build.
const studio = path.resolve(import.meta.dirname, '..');
const readme = readFileSync(path.resolve(studio, '../../README.md'), 'utf8');
const example = /<!-- typed-client:start -->\s*```ts\n([\s\S]*?)```/.exec(readme)?.[1].replace(/^ {2}/gm, '') ?? '';
let dir: string;

beforeAll(async () => {
  // Inside the studio so that `openapi-fetch` resolves from its node_modules, as in a reader's project.
  dir = mkdtempSync(path.join(studio, '.typed-client-'));
  const types = astToString(await openapiTS(openApiDocument as never, { silent: true }));
  writeFileSync(path.join(dir, 'tillflow-api.d.ts'), types);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function compile(source: string): string[] {
  const file = path.join(dir, 'example.ts');
  writeFileSync(file, `${source}\nexport {};\n`);
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    types: ['node'],
    skipLibCheck: true,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))
    .filter(Boolean);
}

describe('the README’s typed REST client', () => {
  it('compiles against types generated from the served OpenAPI document', () => {
    expect(example).toContain("tillflow.GET('/api/v1/{projectSlug}/orders'");
    expect(compile(example)).toEqual([]);
  });

  it('is checked for real: a route the document lacks or a filter of the wrong type does not compile', () => {
    expect(compile(example.replace("'/api/v1/{projectSlug}/orders'", "'/api/v1/{projectSlug}/basket'"))).not.toEqual(
      [],
    );
    expect(compile(example.replace('limit: 20', "limit: 'twenty'"))).not.toEqual([]);
  });
});
