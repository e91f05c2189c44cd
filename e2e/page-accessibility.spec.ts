import { randomUUID } from 'node:crypto';
import AxeBuilder from '@axe-core/playwright';
import { type APIRequestContext, expect, type Page, test } from '@playwright/test';
import { createProject, signUp, uniqueEmail } from './helpers';

// Pages (#17): a published builder page is usable with a keyboard and a screen reader, on a phone. The page has a
// navigation bar, a form, a live data list with a button on each row and a button of its own. A shopper on a
// 390 px wide screen: every field has a label, every button and link a name, Tab follows the page from top to
// bottom, the form is filled and sent with the keyboard alone, a missing field is announced and gets the focus,
// nothing scrolls sideways, and axe finds no WCAG 2 A/AA violation.

async function studio(request: APIRequestContext, path: string, input: unknown) {
  const response = await request.post(`/api/trpc/${path}`, { data: { json: input } });
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: unknown } } }).result.data.json;
}
async function studioQuery<T>(request: APIRequestContext, path: string, input: unknown): Promise<T> {
  const response = await request.get(`/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify({ json: input }))}`);
  expect(response.status(), `${path}: ${await response.text()}`).toBe(200);
  return ((await response.json()) as { result: { data: { json: T } } }).result.data.json;
}

/** Creates, fills and publishes a page over the studio's API (the editor has its own spec). */
async function publishPage(request: APIRequestContext, projectId: number, title: string, page: object) {
  const created = (await studio(request, 'pages.create', { projectId, title })) as { id: number };
  const got = await studioQuery<{ revision: number; draft: object }>(request, 'pages.get', {
    projectId,
    pageId: created.id,
  });
  await studio(request, 'pages.saveDraft', {
    projectId,
    pageId: created.id,
    expectedRevision: got.revision,
    definition: { ...got.draft, ...page },
  });
  await studio(request, 'pages.publish', { projectId, pageId: created.id });
}

/** Presses Tab until `target` has the focus (at most `max` times); the names focused on the way. */
async function tabTo(page: Page, target: (name: string) => boolean, max = 40) {
  const seen: string[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const name = await page.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return '';
      const labelled = (el as HTMLInputElement).labels?.[0]?.textContent;
      return (el.getAttribute('aria-label') || labelled || el.textContent || '').trim();
    });
    seen.push(name);
    if (target(name)) return seen;
  }
  throw new Error(`Tab never reached the element; focused: ${seen.join(' | ')}`);
}

test('a published page with a form, a live list, buttons and navigation works by keyboard and screen reader at 390 px', async ({
  page,
  browser,
}) => {
  test.setTimeout(180_000);
  await signUp(page, uniqueEmail('a11ybuilder'));
  const { id: projectId, slug } = await createProject(page, 'Guest Book', `a11y-${randomUUID().slice(0, 8)}`);
  const req = page.request;
  await studio(req, 'dataModel.createTable', {
    projectId,
    name: 'note',
    columns: [
      { name: 'title', type: 'text', required: true },
      { name: 'body', type: 'text' },
      { name: 'rating', type: 'integer' },
    ],
  });
  for (const operation of ['read', 'insert'])
    await studio(req, 'permissions.setTablePermission', {
      projectId,
      role: 'user',
      table: 'note',
      operation,
      allowed: true,
      scope: 'all',
    });
  await studio(req, 'dataModel.insertRow', {
    projectId,
    table: 'note',
    values: { title: 'First visit', body: 'Lovely' },
  });
  await publishPage(req, projectId, 'About', {
    path: '/about',
    blocks: [{ id: 'about', kind: 'heading', props: { text: 'About us', level: '1' } }],
  });
  await publishPage(req, projectId, 'Guestbook', {
    path: '/guestbook',
    access: { kind: 'signed_in' },
    blocks: [
      {
        id: 'nav',
        kind: 'nav_bar',
        props: {
          links: [
            { label: 'Guestbook', to: '/guestbook' },
            { label: 'About', to: '/about' },
          ],
          showAccount: false,
        },
      },
      { id: 'title', kind: 'heading', props: { text: 'Guestbook', level: '1' } },
      { id: 'intro', kind: 'text', props: { text: 'Leave a note for the shop.' } },
      {
        id: 'leave',
        kind: 'form',
        props: {
          table: 'note',
          fields: [{ column: 'title', label: 'Title' }, { column: 'body', label: 'Your note' }, { column: 'rating' }],
          submitLabel: 'Post note',
          onSubmit: {
            onSuccess: [{ type: 'show_message', text: 'Thanks: “{{ form.title }}” is up.', tone: 'success' }],
          },
        },
      },
      {
        id: 'hello',
        kind: 'button',
        props: { label: 'Say hello', onClick: { steps: [{ type: 'show_message', text: 'Hello there!' }] } },
      },
      {
        id: 'notes',
        kind: 'data_list',
        props: { table: 'note', sort: { column: 'id', direction: 'desc' } },
        children: [
          { id: 'note_title', kind: 'heading', props: { text: '{{ item.title }}', level: '2' } },
          { id: 'note_body', kind: 'text', props: { text: '{{ item.body }}' } },
          {
            id: 'like',
            kind: 'button',
            props: {
              label: 'Like',
              style: 'secondary',
              onClick: { steps: [{ type: 'show_message', text: 'You like “{{ item.title }}”.' }] },
            },
          },
        ],
      },
    ],
  });

  // A shopper on a phone.
  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const shop = await context.newPage();
  await shop.goto(`/app/${slug}/sign-up`);
  await shop.getByLabel('Email').fill(uniqueEmail('reader'));
  await shop.getByLabel('Password').fill('end-user-pass-1');
  await shop.getByRole('button', { name: 'Create an account' }).click();
  await expect(shop.getByRole('button', { name: 'Sign out' })).toBeVisible();
  await shop.goto(`/app/${slug}/guestbook`);
  const main = shop.getByRole('region', { name: 'Guestbook' });
  await expect(main.getByRole('heading', { name: 'First visit' })).toBeVisible();

  // Every form field has a label; every button and link has a name.
  await expect(main.getByRole('textbox', { name: 'Title' })).toBeVisible();
  await expect(main.getByRole('textbox', { name: 'Your note' })).toBeVisible();
  await expect(main.getByRole('spinbutton', { name: 'Rating' })).toBeVisible();
  const unnamed = await shop.evaluate(() => {
    const name = (el: Element) =>
      (
        el.getAttribute('aria-label') ||
        (el as HTMLInputElement).labels?.[0]?.textContent ||
        el.textContent ||
        el.querySelector('img')?.getAttribute('alt') ||
        ''
      ).trim();
    return [...document.querySelectorAll('button, a[href], input, select, textarea')]
      .filter((el) => (el as HTMLInputElement).type !== 'hidden' && name(el) === '')
      .map((el) => el.outerHTML.slice(0, 120));
  });
  expect(unnamed).toEqual([]);

  // Tab goes through the page in the order it reads: top to bottom, left to right within a line.
  await shop.locator('body').click({ position: { x: 1, y: 1 } });
  const order: { name: string; top: number; left: number }[] = [];
  for (let i = 0; i < 30; i++) {
    await shop.keyboard.press('Tab');
    const at = await shop.evaluate(() => {
      const el = document.activeElement as HTMLElement | null;
      if (!el || el === document.body) return null;
      const box = el.getBoundingClientRect();
      return {
        name: (
          el.getAttribute('aria-label') ||
          (el as HTMLInputElement).labels?.[0]?.textContent ||
          el.textContent ||
          ''
        ).trim(),
        top: box.top + window.scrollY,
        left: box.left + window.scrollX,
      };
    });
    if (!at || order.some((o) => o.name === at.name && o.top === at.top && o.left === at.left)) break;
    order.push(at);
  }
  const names = order.map((o) => o.name);
  for (const expected of ['Guestbook', 'About', 'Title', 'Your note', 'Rating', 'Post note', 'Say hello', 'Like'])
    expect(names, `Tab reaches ${expected}`).toContain(expected);
  for (let i = 1; i < order.length; i++) {
    const [a, b] = [order[i - 1], order[i]];
    const sameLine = Math.abs(a.top - b.top) < 8;
    expect(sameLine ? b.left > a.left : b.top > a.top, `${a.name} before ${b.name}`).toBe(true);
  }

  // A missing field is announced, and the focus goes to it.
  await shop.locator('body').click({ position: { x: 1, y: 1 } });
  await tabTo(shop, (n) => n === 'Post note');
  await shop.keyboard.press('Enter');
  await expect(main.getByRole('alert')).toHaveText('One field needs your attention.');
  const title = main.getByRole('textbox', { name: 'Title' });
  await expect(title).toBeFocused();
  await expect(title).toHaveAttribute('aria-invalid', 'true');
  await expect(title).toHaveAccessibleDescription('Fill in Title.');

  // Filled and sent with the keyboard alone, from the field that has the focus.
  await shop.keyboard.type('Second visit');
  await shop.keyboard.press('Tab');
  await shop.keyboard.type('Kind people');
  await shop.keyboard.press('Tab');
  await shop.keyboard.type('5');
  await shop.keyboard.press('Enter');
  await expect(main.getByRole('status').filter({ hasText: 'Thanks: “Second visit” is up.' })).toBeVisible();
  await expect(main.getByRole('alert')).toHaveCount(0);
  await expect(main.getByRole('heading', { name: 'Second visit' })).toBeVisible();
  // A button in the list by keyboard.
  await tabTo(shop, (n) => n === 'Like');
  await shop.keyboard.press('Enter');
  await expect(main.getByRole('status').filter({ hasText: 'You like “Second visit”.' })).toBeVisible();

  // No sideways scroll on a phone, and no WCAG 2 A/AA violation axe can find.
  expect(await shop.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBeLessThanOrEqual(0);
  const axe = await new AxeBuilder({ page: shop }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  expect(
    axe.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`),
  ).toEqual([]);
  // The same through the navigation bar: the linked page opens.
  await main.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'About' }).click();
  await expect(shop.getByRole('heading', { name: 'About us' })).toBeVisible();
  await context.close();
});
