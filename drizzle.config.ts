import { defineConfig } from 'drizzle-kit';

// Migrations are generated from the schema files and committed; never hand-written.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/db/src/schema/*.ts',
  out: './drizzle',
});
