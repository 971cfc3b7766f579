import { renderTable } from '../../../src/render/table';

describe('renderTable', () => {
  it('lays out a result set psql-style', () => {
    expect(
      renderTable(
        ['id', 'amount'],
        [
          { id: 1, amount: 1200.5 },
          { id: 22, amount: null },
        ],
      ),
    ).toBe([' id | amount', '----+--------', ' 1  | 1200.5', ' 22 | NULL'].join('\n'));
  });

  it('keeps cells on one line, short, and free of control characters', () => {
    const out = renderTable(['note'], [{ note: 'a\nb\u001b[31m' }, { note: 'x'.repeat(100) }]);
    expect(out).toContain('a\\nb\\u001b[31m');
    expect(out).toContain('x'.repeat(59) + '…');
    expect(out).not.toContain('\u001b');
  });
});
