import { z } from 'zod';

export const projectNameSchema = z
  .string()
  .trim()
  .min(1, 'Give the project a name.')
  .max(80, 'Keep the name under 80 characters.');

// The slug becomes the generated app's URL (/app/:slug), so it is URL-safe and short.
export const projectSlugSchema = z
  .string()
  .trim()
  .min(3, 'The web address needs at least 3 characters.')
  .max(40, 'Keep the web address under 40 characters.')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'Use lowercase letters, digits and single hyphens (e.g. "my-shop").');

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
}
