// compose.override.yaml: the user's own file. berth writes it once, explains it, and never touches it again.
import type { Recipe } from '../recipes/load-recipe.js';

export const USER_OVERRIDE = 'compose.override.yaml';

export function userOverrideContent(recipe: Recipe): string {
  const service = recipe.manifest.services[0]?.name ?? 'app';
  return `# compose.override.yaml — yours to edit. berth created it once and will never change it.
#
# Docker Compose merges this file last (see COMPOSE_FILE in .env), on top of the files berth
# generates, so what you put here wins: extra environment variables, ports, volumes, resource
# limits, labels. Re-running berth keeps it as it is. Do not edit compose.yaml or the other
# generated files instead: berth regenerates them, and stops if it finds them changed.
#
# Example:
# services:
#   ${service}:
#     environment:
#       LOG_LEVEL: debug
services: {}
`;
}
