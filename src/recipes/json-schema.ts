// The recipe manifest's JSON Schema, derived from the zod schema (so editors and berth agree).
import * as z from 'zod';
import { recipeSchema } from './schema.js';

export function recipeJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(recipeSchema, { io: 'input', unrepresentable: 'any', target: 'draft-7' });
  return {
    ...schema,
    title: 'berth recipe (recipe.yaml)',
    description: 'A berth recipe: questions, secrets, files and compose templates. See docs/recipes.md.',
  };
}
