import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSettings, publicUrl, SETTINGS, SettingsError, setting } from '../src/settings';
import { settingsTable, withSettingsTable } from '../src/settings-docs';

describe('settings', () => {
  it('gives every variable its declared default when the environment is empty', () => {
    const settings = loadSettings({});
    expect(settings.PORT).toBe(3000);
    expect(settings.TILLFLOW_WORKERS).toBe(4);
    expect(settings.TILLFLOW_MAINTENANCE_MS).toBe(900_000);
    expect(settings.STRIPE_API_BASE).toBe('https://api.stripe.com');
    expect(settings.DATABASE_URL).toBeUndefined();
  });

  it('parses numbers from the strings the environment holds', () => {
    expect(loadSettings({ PORT: '3107', TILLFLOW_WORKERS: '0' })).toMatchObject({ PORT: 3107, TILLFLOW_WORKERS: 0 });
  });

  it('treats an empty variable as unset', () => {
    expect(setting('PORT', { PORT: '' })).toBe(3000);
  });

  it('refuses a bad value with a message naming the variable and what it must look like', () => {
    expect(() => loadSettings({ PORT: 'eighty', TILLFLOW_SANDBOX: 'maybe' })).toThrow(SettingsError);
    try {
      loadSettings({ PORT: 'eighty', TILLFLOW_SANDBOX: 'maybe' });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).toContain('"eighty"');
      expect(message).toContain('TILLFLOW_SANDBOX');
      expect((error as SettingsError).problems.map((p) => p.name)).toEqual(['PORT', 'TILLFLOW_SANDBOX']);
    }
  });

  it('never repeats a secret or a URL (which may hold a password) in its message', () => {
    expect(() => setting('TILLFLOW_SECRET_KEY', { TILLFLOW_SECRET_KEY: 'too-short-secret' })).toThrow(
      /TILLFLOW_SECRET_KEY must be 32 bytes/,
    );
    try {
      setting('DATABASE_URL', { DATABASE_URL: 'mysql://root:hunter2@db' });
    } catch (error) {
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('derives the public URL from PORT when PUBLIC_URL is unset, without a trailing slash', () => {
    expect(publicUrl({ PORT: '3200' })).toBe('http://localhost:3200');
    expect(publicUrl({ PUBLIC_URL: 'https://pay.example.com/' })).toBe('https://pay.example.com');
  });

  it('describes every variable it declares', () => {
    for (const [name, declared] of Object.entries(SETTINGS)) {
      expect(declared.description, name).not.toBe('');
      expect(declared.shownDefault, name).not.toBe('');
    }
  });
});

describe("README's Configuration table", () => {
  it('is the one generated from the settings module (run `npm run docs:settings` after changing settings.ts)', () => {
    const readme = readFileSync(path.resolve(import.meta.dirname, '../../../README.md'), 'utf8');
    expect(withSettingsTable(readme)).toBe(readme);
    for (const name of Object.keys(SETTINGS)) expect(settingsTable()).toContain(`\`${name}\``);
  });
});
