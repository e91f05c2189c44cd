import { expect, test } from '@playwright/test';
import { createProject, signIn, signOut, signUp, uniqueEmail } from './helpers';

test('a builder signs up, creates and renames a project, and only they see it', async ({ page, browser }) => {
  const email = uniqueEmail('builder');
  await page.goto('/projects');
  await expect(page).toHaveURL(/\/sign-in$/); // behind sign-in

  await signUp(page, email);
  const { id } = await createProject(page, 'Coffee shop');
  await expect(page.getByRole('heading', { name: 'Coffee shop' })).toBeVisible();

  await page.getByLabel('Project name', { exact: true }).fill('Coffee roasters');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Coffee roasters' })).toBeVisible();
  await expect(page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Overview' })).toBeVisible();

  await signOut(page);
  await signIn(page, email);
  await expect(
    page.getByRole('list', { name: 'Projects' }).getByRole('link', { name: 'Coffee roasters' }),
  ).toBeVisible();

  const other = await browser.newContext();
  const otherPage = await other.newPage();
  await signUp(otherPage, uniqueEmail('other'));
  await expect(otherPage.getByText('No projects yet')).toBeVisible();
  await otherPage.goto(`/projects/${id}`);
  await expect(otherPage.getByRole('heading', { name: 'Not found' })).toBeVisible();
  await other.close();
});

test('auth errors are explained', async ({ page }) => {
  const email = uniqueEmail('dup');
  await signUp(page, email);
  await signOut(page);

  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('correct-horse-9');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.locator('p[role=alert]')).toHaveText(/already exists/);

  await page.getByLabel('Password').fill('short');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page.locator('p[role=alert]')).toHaveText(/too weak/);

  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill('wrong-password-1');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.locator('p[role=alert]')).toHaveText(/Wrong email or password/);
});
