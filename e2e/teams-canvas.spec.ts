import { expect, type Page, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

// Two tabs edit one automation at once: the second save is refused, and the dialog combines both edits.

const node = (page: Page, id: string) => page.locator(`.react-flow__node[data-id="${id}"]`);
const panel = (page: Page) => page.getByRole('complementary', { name: 'Flow panel' });

async function addAfterTrigger(page: Page, nodeLabel: string) {
  await node(page, 'trigger').click();
  await page.getByRole('button', { name: 'Add step' }).click();
  await panel(page)
    .getByRole('button', { name: `Add ${nodeLabel}` })
    .click();
}

test('a save over someone else’s offers to combine both, and both edits are kept', async ({ page }) => {
  test.setTimeout(180_000);
  await signUp(page, uniqueEmail('conflict'));
  await createProject(page, 'Two tabs');
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Automations' }).click();
  await page.getByLabel('Automation name').fill('Thank-you');
  await page.getByRole('button', { name: 'Create automation' }).click();
  await expect(node(page, 'trigger')).toBeVisible();

  // The same flow in a second tab, opened before the first tab's edit is saved.
  const second = await page.context().newPage();
  await second.goto(page.url());
  await expect(node(second, 'trigger')).toBeVisible();

  await addAfterTrigger(page, 'Set variables');
  await expect(page.getByRole('status', { name: 'Save status' })).toHaveText('Draft saved', { timeout: 15_000 });

  await addAfterTrigger(second, 'Query rows');
  const dialog = second.getByRole('dialog', { name: 'Someone else changed this flow' });
  await expect(dialog).toBeVisible({ timeout: 15_000 });
  await expect(dialog).toContainText('both can be kept together');
  await dialog.getByRole('button', { name: 'Combine both' }).click();
  await expect(dialog).toHaveCount(0, { timeout: 15_000 });
  await expect(node(second, 'set_variables')).toBeVisible();
  await expect(node(second, 'query_rows')).toBeVisible();

  // The first tab, reloaded, has both too: the combination was saved.
  await page.reload();
  await expect(node(page, 'set_variables')).toBeVisible();
  await expect(node(page, 'query_rows')).toBeVisible();
});
