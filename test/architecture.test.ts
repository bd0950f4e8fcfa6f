// The architecture's boundaries are lint errors, not conventions: check the lint rules bite.
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });
const ruleIds = async (code: string, filePath: string) =>
  (await eslint.lintText(code, { filePath }))[0]!.messages.map((m) => m.ruleId);

describe('architecture lint rules', () => {
  it("refuses 'electron' outside main/shell", async () => {
    expect(await ruleIds("import { app } from 'electron';\nexport const a = app;\n", 'main/core-extra.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { app } from 'electron';\nexport const a = app;\n", 'main/probes/x.ts')).toContain('no-restricted-imports');
    expect(await ruleIds("import { app } from 'electron';\nexport const a = app;\n", 'main/shell/x.ts')).not.toContain('no-restricted-imports');
  });

  it('refuses main/ imports from the renderer', async () => {
    expect(await ruleIds("import { createCore } from '../main/core.ts';\nexport const c = createCore;\n", 'renderer/x.ts')).toContain(
      'no-restricted-imports',
    );
    expect(await ruleIds("import type { Status } from '../preload/contract/index.ts';\nexport type S = Status;\n", 'renderer/x.ts')).not.toContain(
      'no-restricted-imports',
    );
  });
});
