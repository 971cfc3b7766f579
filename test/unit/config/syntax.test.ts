import { cleanFixtures, fixture, problems } from './fixtures';

afterEach(cleanFixtures);

describe('malformed JSON', () => {
  it('reports the line and column of a missing comma', async () => {
    const text = '{\n  "sources": {\n    "a": {}\n    "b": {}\n  }\n}\n';
    const [d, ...rest] = await problems(fixture({ 'backflow.json': text }));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({
      severity: 'error',
      summary: 'invalid JSON: expected "," between values',
      file: 'backflow.json',
      line: 4,
      column: 5,
    });
  });

  it('reports comments as errors, each with its position', async () => {
    const text = '{\n  // the warehouse\n  "sources": {} /* none yet */\n}\n';
    const found = await problems(fixture({ 'backflow.json': text }));
    expect(found.map((d) => [d.summary, d.line, d.column])).toEqual([
      ['invalid JSON: comments are not allowed', 2, 3],
      ['invalid JSON: comments are not allowed', 3, 17],
    ]);
  });

  it('reports a trailing comma', async () => {
    const [d] = await problems(fixture({ 'backflow.json': '{\n  "sources": {},\n}\n' }));
    expect(d).toMatchObject({ summary: 'invalid JSON: trailing comma before "}"', line: 3, column: 1 });
  });

  it('reports an unterminated file', async () => {
    const [d] = await problems(fixture({ 'backflow.json': '{\n  "sources": {\n' }));
    expect(d.summary).toMatch(/^invalid JSON: unexpected end of file/);
  });

  it('reports a duplicate key', async () => {
    const text =
      '{\n  "destinations": {\n    "crm": { "type": "webhook", "url": "https://a.example" },\n    "crm": { "type": "webhook", "url": "https://b.example" }\n  }\n}\n';
    const [d] = await problems(fixture({ 'backflow.json': text }));
    expect(d).toMatchObject({
      summary: 'duplicate key "crm"',
      line: 4,
      column: 5,
      path: '$.destinations.crm',
    });
  });

  it('reports syntax errors of every file, and nothing that depends on unread files', async () => {
    const found = await problems(
      fixture({
        'a.backflow.json':
          '{ "models": { "m": { "source": "warehouse", "name": "M", "query": "select 1", "primary_key": "id" } } }',
        'b.backflow.json': '{ "sources": ',
      }),
    );
    expect(found.map((d) => d.file)).toEqual(['b.backflow.json']);
  });
});
