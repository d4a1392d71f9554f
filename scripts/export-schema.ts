// Writes schema/recipe.schema.json, the JSON Schema of recipe.yaml for editors, from the zod schema.
// `--check` fails when the committed file is out of date.
import { readFileSync, writeFileSync } from 'node:fs';
import { recipeJsonSchema } from '../src/recipes/json-schema.js';

const file = 'schema/recipe.schema.json';
const text = `${JSON.stringify(recipeJsonSchema(), null, 2)}\n`;
if (process.argv.includes('--check')) {
  if (readFileSync(file, 'utf8') !== text) {
    console.error(`${file} is out of date: run npm run schema`);
    process.exit(1);
  }
} else {
  writeFileSync(file, text);
  console.log(`wrote ${file}`);
}
