import { expect, type Page, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

async function addColumn(
  page: Page,
  column: { name: string; type: string; options?: string; target?: string; required?: boolean },
) {
  await page.getByRole('button', { name: 'Add column' }).click();
  const form = page.getByRole('form', { name: 'New column' });
  await form.getByLabel('Column name').fill(column.name);
  await form.getByLabel('Type').selectOption(column.type);
  if (column.options) await form.getByLabel('Options (comma-separated)').fill(column.options);
  if (column.target) await form.getByLabel('Points at table').selectOption(column.target);
  if (column.required) await form.getByLabel('Required').check();
  await form.getByRole('button', { name: 'Add column' }).click();
  await expect(
    page.getByRole('table', { name: 'Columns of order' }).getByRole('cell', { name: column.name, exact: true }),
  ).toBeVisible();
}

test('a builder models an order table, edits rows with validation and opens a permission', async ({ page }) => {
  await signUp(page, uniqueEmail('data'));
  const { id } = await createProject(page, 'Data shop');
  const nav = page.getByRole('navigation', { name: 'Project' });

  // an end user to point the relation at (sign-up in the generated app comes later)
  await nav.getByRole('link', { name: 'Users' }).click();
  await page.getByLabel('End user email').fill('buyer@example.test');
  await page.getByRole('button', { name: 'Add end user' }).click();
  await expect(
    page.getByRole('table', { name: 'End users' }).getByRole('cell', { name: 'buyer@example.test' }),
  ).toBeVisible();
  const roleSaved = page.waitForResponse((r) => r.url().includes('endUsers.setRole') && r.ok());
  await page.getByLabel('Role of buyer@example.test').selectOption('admin');
  await roleSaved;
  await page.reload();
  await expect(page.getByLabel('Role of buyer@example.test')).toHaveValue('admin');

  await nav.getByRole('link', { name: 'Data' }).click();
  await page.getByLabel('New table name').fill('order');
  await page.getByRole('button', { name: 'Create table' }).click();
  await expect(page).toHaveURL(new RegExp(`/projects/${id}/data/order$`));
  await expect(page.getByRole('heading', { name: 'order' })).toBeVisible();

  await page.getByRole('tab', { name: 'columns' }).click();
  await addColumn(page, { name: 'status', type: 'enum', options: 'pending, paid, refunded, cancelled' });
  await addColumn(page, { name: 'amount', type: 'integer', required: true });
  await addColumn(page, { name: 'buyer', type: 'relation', target: 'end_user' });
  await expect(page.getByRole('cell', { name: 'Link to shopper accounts' })).toBeVisible();

  await page.getByRole('tab', { name: 'rows' }).click();
  const grid = page.getByRole('table', { name: 'Rows of order' });
  await page.getByRole('button', { name: 'New row' }).click();
  let form = page.getByRole('form', { name: 'New row' });
  await form.getByLabel('status').selectOption('pending');
  await form.getByLabel('amount').fill('1200');
  await form.getByLabel('buyer').selectOption({ label: '#1 buyer@example.test' });
  await form.getByRole('button', { name: 'Add row' }).click();
  await expect(grid.getByRole('cell', { name: '1200', exact: true })).toBeVisible();

  // a bad value is explained on its field, and nothing is saved
  await page.getByRole('button', { name: 'New row' }).click();
  form = page.getByRole('form', { name: 'New row' });
  await form.getByLabel('amount').fill('twelve');
  await form.getByRole('button', { name: 'Add row' }).click();
  await expect(form.getByText('Must be a whole number.')).toBeVisible();
  await expect(form.getByLabel('amount')).toHaveAttribute('aria-invalid', 'true');
  await form.getByLabel('amount').fill('80');
  await form.getByRole('button', { name: 'Add row' }).click();
  await expect(grid.getByRole('cell', { name: '80', exact: true })).toBeVisible();
  await expect(grid.getByRole('row')).toHaveCount(3); // header + 2 rows

  // edit the first row
  await grid.getByRole('button', { name: 'Edit row 1' }).click();
  form = page.getByRole('form', { name: 'Edit row 1' });
  await form.getByLabel('status').selectOption('paid');
  await form.getByLabel('amount').fill('1500');
  await form.getByRole('button', { name: 'Save row' }).click();
  await expect(grid.getByRole('cell', { name: '1500', exact: true })).toBeVisible();
  await expect(grid.getByRole('cell', { name: 'Paid', exact: true })).toBeVisible();
  await page.reload();
  await expect(
    page.getByRole('table', { name: 'Rows of order' }).getByRole('cell', { name: '1500', exact: true }),
  ).toBeVisible();

  // sort by amount descending puts 1500 first
  await page.getByRole('button', { name: 'Sort by amount' }).click();
  await page.getByRole('button', { name: 'Sort by amount' }).click();
  await expect(page.getByRole('table', { name: 'Rows of order' }).getByRole('row').nth(1)).toContainText('1500');

  // open "read" on order for signed-in users, and it sticks
  await nav.getByRole('link', { name: 'Permissions' }).click();
  const userRead = page.getByLabel('user read order');
  await expect(userRead).toHaveValue('');
  const permissionSaved = page.waitForResponse((r) => r.url().includes('permissions.setTablePermission') && r.ok());
  await userRead.selectOption('all');
  await permissionSaved;
  await expect(userRead).toHaveValue('all');
  await page.reload();
  await expect(page.getByLabel('user read order')).toHaveValue('all');
  await expect(page.getByLabel('anonymous read order')).toHaveValue('');
});

test('data-losing changes ask first, and a table in use cannot be deleted', async ({ page }) => {
  await signUp(page, uniqueEmail('loss'));
  await createProject(page, 'Loss shop');
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Data' }).click();

  for (const name of ['customer', 'visit']) {
    await page.getByLabel('New table name').fill(name);
    await page.getByRole('button', { name: 'Create table' }).click();
    await expect(page.getByRole('heading', { name })).toBeVisible();
  }
  await page.getByRole('tab', { name: 'columns' }).click();
  await page.getByRole('button', { name: 'Add column' }).click();
  let form = page.getByRole('form', { name: 'New column' });
  await form.getByLabel('Column name').fill('customer');
  await form.getByLabel('Type').selectOption('relation');
  await form.getByLabel('Points at table').selectOption('customer');
  await form.getByRole('button', { name: 'Add column' }).click();
  await expect(page.getByRole('cell', { name: 'Link to customer' })).toBeVisible();

  await page.getByRole('list', { name: 'Tables' }).getByRole('link', { name: 'customer' }).click();
  await expect(page.getByRole('heading', { name: 'customer' })).toBeVisible();
  await page.getByRole('tab', { name: 'columns' }).click();
  await expect(page.getByText('Related rows (1:N): visit.customer')).toBeVisible();
  await page.getByRole('button', { name: 'Add column' }).click();
  form = page.getByRole('form', { name: 'New column' });
  await form.getByLabel('Column name').fill('name');
  await form.getByRole('button', { name: 'Add column' }).click();
  await page.getByRole('tab', { name: 'rows' }).click();
  await page.getByRole('button', { name: 'New row' }).click();
  await page.getByRole('form', { name: 'New row' }).getByLabel('name').fill('Ada');
  await page.getByRole('form', { name: 'New row' }).getByRole('button', { name: 'Add row' }).click();
  await expect(page.getByRole('table', { name: 'Rows of customer' }).getByRole('cell', { name: 'Ada' })).toBeVisible();

  // the relation from visit blocks deletion, and the message names it
  await page.getByRole('button', { name: 'Delete table' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'it is used by relation "visit.customer"' })).toBeVisible();

  // renaming + retyping text → integer would clear "Ada": asked first, then done
  await page.getByRole('tab', { name: 'columns' }).click();
  await page.getByRole('button', { name: 'Edit column name' }).click();
  form = page.getByRole('form', { name: 'Edit column name' });
  await form.getByLabel('Column name').fill('age');
  await form.getByLabel('Type').selectOption('integer');
  await form.getByRole('button', { name: 'Save column' }).click();
  await expect(form.getByRole('alert')).toContainText("Column 'name' has 1 value that cannot become integer");
  await expect(page.getByRole('cell', { name: 'name', exact: true })).toBeVisible(); // unchanged so far
  await form.getByLabel('I understand, clear those values').check();
  await form.getByRole('button', { name: 'Save column' }).click();
  await expect(
    page.getByRole('table', { name: 'Columns of customer' }).getByRole('cell', { name: 'age', exact: true }),
  ).toBeVisible();

  // once nothing depends on it, deleting a table with rows still asks
  await page.getByRole('list', { name: 'Tables' }).getByRole('link', { name: 'visit' }).click();
  await expect(page.getByRole('heading', { name: 'visit' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete table' }).click();
  await expect(page).toHaveURL(/\/data$/);
  await page.getByRole('list', { name: 'Tables' }).getByRole('link', { name: 'customer' }).click();
  await expect(page.getByRole('heading', { name: 'customer' })).toBeVisible();
  await page.getByRole('button', { name: 'Delete table' }).click();
  await expect(
    page.getByRole('alert').filter({ hasText: "Table 'customer' has 1 row that would be deleted" }),
  ).toBeVisible();
  await page.getByRole('button', { name: 'Delete with its rows' }).click();
  await expect(page).toHaveURL(/\/data$/);
  await expect(page.getByRole('list', { name: 'Tables' }).getByRole('link')).toHaveText([/^shopper accounts/]);
});
