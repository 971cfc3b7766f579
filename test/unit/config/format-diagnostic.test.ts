import { join } from 'node:path';
import { formatDiagnostic } from '../../../src/config/format-diagnostic';
import { error, warning } from '../../../src/diagnostics';

describe('formatDiagnostic', () => {
  it('prints the summary, the place and the detail', () => {
    const d = error('unknown field "primay_key"; did you mean "primary_key"?', {
      file: 'backflow.json',
      path: '$.models.big_orders',
      line: 12,
      column: 7,
      detail: 'Fields allowed here: source, name.\nSee the schema.',
    });
    expect(formatDiagnostic(d)).toBe(
      [
        'Error: unknown field "primay_key"; did you mean "primary_key"?',
        '',
        '  on backflow.json line 12, column 7, in $.models.big_orders',
        '  Fields allowed here: source, name.',
        '  See the schema.',
      ].join('\n'),
    );
  });

  it('shows absolute file names relative to the working directory when inside it', () => {
    const d = warning('x', { file: join('/work/repo', 'conf', 'backflow.json'), line: 1 });
    expect(formatDiagnostic(d, { cwd: '/work/repo' })).toBe(
      `Warning: x\n\n  on ${join('conf', 'backflow.json')} line 1`,
    );
    expect(formatDiagnostic(d, { cwd: '/elsewhere' })).toContain('on /work/repo/conf/backflow.json line 1');
  });

  it('falls back to the address, and to the summary alone', () => {
    expect(formatDiagnostic(error('boom', { address: 'model.x' }))).toBe('Error: boom\n\n  in model.x');
    expect(formatDiagnostic(error('boom'))).toBe('Error: boom');
  });

  it('colors only when asked', () => {
    const d = error('boom');
    expect(formatDiagnostic(d, { color: true })).toContain('\u001b[');
    expect(formatDiagnostic(d, { color: false })).not.toContain('\u001b[');
  });
});
