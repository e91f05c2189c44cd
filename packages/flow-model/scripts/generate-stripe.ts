/**
 * Writes flow-model's generated Stripe data from the pinned description (see stripe-catalog.ts):
 *
 *   npx tsx packages/flow-model/scripts/generate-stripe.ts
 *
 * Re-run after re-trimming the description (packages/stripe-sandbox/scripts/trim-openapi.ts); then biome formats it.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  API_OUTPUT,
  DESCRIPTION_PATH,
  EVENTS_OUTPUT,
  generateApiModule,
  generateEventsModule,
  generateObjectsModule,
  OBJECTS_OUTPUT,
} from './stripe-catalog';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const spec = JSON.parse(readFileSync(path.join(root, DESCRIPTION_PATH), 'utf8'));
const outputs = [
  [EVENTS_OUTPUT, generateEventsModule(spec)],
  [OBJECTS_OUTPUT, generateObjectsModule(spec)],
  [API_OUTPUT, generateApiModule(spec)],
] as const;
for (const [file, text] of outputs) {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
  writeFileSync(path.join(root, file), text);
  console.log(`${Buffer.byteLength(text) >> 10} KiB -> ${file}`);
}
