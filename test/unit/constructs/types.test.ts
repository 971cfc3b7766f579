/**
 * Prop types are checked by the TypeScript compiler: a reference to a resource of the wrong type is a
 * compile error, before anything is synthesized. The files are compiled in memory, as if they sat in this
 * folder, against the construct library's source.
 */
import { basename, join } from 'node:path';
import * as ts from 'typescript';

const DIR = __dirname;

function compile(files: Record<string, string>): string[] {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.Node16,
    moduleResolution: ts.ModuleResolutionKind.Node16,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  };
  const virtual = new Map(Object.entries(files).map(([name, text]) => [join(DIR, name), text]));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (f) => virtual.has(f) || fileExists.call(host, f);
  host.readFile = (f) => virtual.get(f) ?? readFile.call(host, f);
  host.getSourceFile = (f, lang, ...rest) =>
    virtual.has(f)
      ? ts.createSourceFile(f, virtual.get(f)!, lang)
      : getSourceFile.call(host, f, lang, ...rest);
  const program = ts.createProgram([...virtual.keys()], options, host);
  return [...virtual.keys()].flatMap((f) =>
    ts.getPreEmitDiagnostics(program, program.getSourceFile(f)).map((d) => {
      const line = d.start === undefined ? 0 : d.file!.getLineAndCharacterOfPosition(d.start).line + 1;
      return `${basename(f)}:${line}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
    }),
  );
}

const header = `
import { App, TerraformStack } from 'cdktf';
import { Destination, Model, Schedule, Source, Sync } from '../../../src/constructs';
const stack = new TerraformStack(new App(), 'production');
const warehouse = new Source(stack, 'warehouse', {
  warehouse: 'postgres',
  settings: { host: 'h', database: 'd', user: 'u' },
});
const users = new Model(stack, 'users', { source: warehouse, name: 'Users', query: 'select 1 as id', primary_key: 'id' });
const crm = new Destination(stack, 'crm', { type: 'webhook', url: 'https://x.example.com' });
`;

describe('construct prop types', () => {
  it('accept references of the right type, and reject the wrong type, a name, a misspelt field', () => {
    const errors = compile({
      'right.ts': `${header}new Sync(stack, 'ok', { model: users, destination: crm, schedule: Schedule.periodic('1h') });\n`,
      'wrong.ts': `${header}
new Sync(stack, 'swapped', { model: crm, destination: crm });
new Sync(stack, 'by_name', { model: 'users', destination: crm });
new Model(stack, 'typo', { source: warehouse, name: 'T', query: 'select 1', primay_key: 'id' });
`,
    });
    // right.ts compiles; each bad line of wrong.ts is an error on its line.
    expect(errors.filter((e) => !/^wrong\.ts:1[2-4]: /.test(e))).toEqual([]);
    const at = (line: number) => errors.find((e) => e.startsWith(`wrong.ts:${line}: `));
    expect(at(12)).toMatch(/'Destination' is not assignable to type 'Model'/);
    expect(at(13)).toMatch(/'string' is not assignable to type 'Model'/);
    expect(at(14)).toMatch(/'primay_key' does not exist/);
  });
});

describe('destination props', () => {
  it('type the segment and hubspot fields from the schema: enums, secret references, misspellings', () => {
    const errors = compile({
      'dest-right.ts': `${header}
import { Secret } from '../../../src/constructs';
new Destination(stack, 'seg', { type: 'segment', write_key: Secret.env('SEGMENT_WRITE_KEY'), region: 'eu', event_type: 'track', event: 'Synced', endpoint: 'https://proxy.example.com', batch_size: 500 });
new Destination(stack, 'hs', { type: 'hubspot', token: Secret.env('HUBSPOT_TOKEN'), object_type: 'companies', id_property: 'company_key', max_in_flight: 2, timeout_ms: 5000, max_retries: 3 });
`,
      'dest-wrong.ts': `${header}
new Destination(stack, 'seg', { type: 'segment', write_key: 'plain-text-key' });
new Destination(stack, 'seg2', { type: 'segment', write_key: { env: 'K' }, region: 'asia' });
new Destination(stack, 'seg3', { type: 'segment', write_key: { env: 'K' }, event_type: 'page' });
new Destination(stack, 'hs', { type: 'hubspot', token: { env: 'T' }, id_propety: 'email' });
`,
    });
    expect(errors.filter((e) => e.startsWith('dest-right.ts'))).toEqual([]);
    const at = (line: number) => errors.find((e) => e.startsWith(`dest-wrong.ts:${line}: `));
    expect(at(12)).toMatch(/'string' is not assignable to type '{ env: string; } | { file: string; }/);
    expect(at(13)).toMatch(/'"asia"' is not assignable to type '"eu" \| "us"/);
    expect(at(14)).toMatch(/'"page"' is not assignable/);
    expect(at(15)).toMatch(/'id_propety' does not exist/);
  });
});
