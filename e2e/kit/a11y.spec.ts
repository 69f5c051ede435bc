// Accessibility: axe-core finds no serious or critical violation in either theme,
// and every control is reachable by role and accessible name, and by keyboard.
import AxeBuilder from '@axe-core/playwright';
import { test, expect } from 'pyramidscope/testkit';

for (const theme of ['light', 'dark'] as const) {
  test(`axe: no serious or critical violations in the ${theme} theme`, async ({ pyramidscope: app }) => {
    await app.setTheme(theme);
    await app.waitForReady();
    const results = await new AxeBuilder({ page: app.page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    const report = bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');
    expect(bad, report).toEqual([]);
  });
}

test('every select, input and button has an accessible name', async ({ pyramidscope: app }) => {
  const { page } = app;
  await expect(page.getByRole('combobox', { name: /output.stride/i })).toHaveAttribute('data-testid', 'output-stride');
  await expect(page.getByRole('combobox', { name: /^colormap/i })).toHaveAttribute('data-testid', 'colormap');
  const unnamed = await page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll('select, input, button, textarea'))) {
      const e = el as HTMLElement;
      if (e.closest('[hidden]') || (e as HTMLInputElement).type === 'hidden') continue;
      const labelled = e.getAttribute('aria-label') || e.getAttribute('aria-labelledby') || (e as HTMLInputElement).labels?.length || (e.tagName === 'BUTTON' && e.textContent?.trim()) || e.getAttribute('title');
      if (!labelled) out.push(e.outerHTML.slice(0, 120));
    }
    return out;
  });
  expect(unnamed).toEqual([]);
});

test('keyboard: Tab reaches the stride select and Enter activates a sample button', async ({ pyramidscope: app }) => {
  const { page } = app;
  const stride = page.getByRole('combobox', { name: /output.stride/i });
  await stride.focus();
  await expect(stride).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(stride).not.toBeFocused();
  await page.keyboard.press('Tab');
  await expect(stride).toBeFocused();
  // Sample buttons are native buttons: Enter activates them.
  const coffee = page.getByRole('button', { name: /coffee/i });
  await coffee.focus();
  await page.keyboard.press('Enter');
  const state = await app.waitForReady();
  expect(state.image).toMatch(/coffee/);
});
