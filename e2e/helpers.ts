import { randomUUID } from 'node:crypto';
import { expect, type Page } from '@playwright/test';

export function uniqueEmail(label: string) {
  return `${label}-${randomUUID().slice(0, 8)}@example.test`;
}

export const PASSWORD = 'correct-horse-9';

export async function signUp(page: Page, email: string, password = PASSWORD) {
  await page.goto('/sign-up');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await expect(page).toHaveURL(/\/projects$/);
}

export async function signIn(page: Page, email: string, password = PASSWORD) {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/projects$/);
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in$/);
}

/** Creates a project from the project list and lands on its overview; returns its id. */
export async function createProject(page: Page, name: string, slug = `p-${randomUUID().slice(0, 8)}`) {
  await page.goto('/projects');
  await page.getByLabel('Project name').fill(name);
  await page.getByLabel(/^(Web address of your shop|URL slug)/).fill(slug);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page).toHaveURL(/\/projects\/\d+$/);
  const id = Number(page.url().split('/').pop());
  return { id, slug };
}
