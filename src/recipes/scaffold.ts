// The files of a new recipe (`berth recipe new NAME`): the smallest recipe that follows every practice
// `berth recipe test` checks — one web service from a pinned image named in .env, a port question, a
// healthcheck, a generated secret passed through .env, and a page of its own bind-mounted read-only.

/** The image the new recipe serves its page with: Caddy, the same pinned tag berth's shipped recipes use. */
export const SCAFFOLD_IMAGE = 'caddy:2.8-alpine';

export const SCHEMA_FILE = 'recipe.schema.json';

const title = (name: string): string =>
  name
    .split('-')
    .filter(Boolean)
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');

const recipeYaml = (name: string): string => `# yaml-language-server: $schema=${SCHEMA_FILE}
# A berth recipe (format: docs/recipes.md in berth). Check every combination of its answers with
#   berth recipe test <this folder>
# and install it with: berth install --recipe <this folder>
name: ${name}
title: ${title(name)}
version: 0.1.0
description: A web page served by Caddy (replace with what ${name} installs).

requirements:
  - { ramGb: 1, diskGb: 1, cpus: 1 }

questions:
  - id: web_port
    type: port
    prompt: Which port should the web page be served on?
    env: WEB_PORT
    default: 8080
  - id: web_image
    type: image
    prompt: Web server image
    advanced: true # not asked by the wizard; the pinned tag lives in .env
    env: WEB_IMAGE
    default: ${SCAFFOLD_IMAGE}

secrets: # generated once, kept in .env (0600), never printed
  - { id: app_secret, env: APP_SECRET, length: 32, encoding: alnum }

files:
  - { template: site/index.html.hbs, owner: user } # written once; the user's to edit

ignore: [${SCHEMA_FILE}] # for your editor: not copied into the install folder

services:
  - { name: web, description: Web server }

urls:
  - { label: Web page, url: 'http://{{facts.address}}:{{web_port}}' }

notes:
  - 'The page is site/index.html in the install folder: edit it, berth never rewrites it.'
`;

const composeYaml = `# {{recipe.title}} ({{recipe.name}} {{recipe.version}}), written by berth. Values come from .env.
services:
  web:
    image: \${WEB_IMAGE:?set WEB_IMAGE in .env}
    restart: unless-stopped
    ports:
      - "\${WEB_PORT:?set WEB_PORT in .env}:80"
    environment:
      # A secret reaches the container only through .env, as a required variable.
      APP_SECRET: \${APP_SECRET:?set APP_SECRET in .env}
    volumes:
      - ./site:/usr/share/caddy:ro
    healthcheck:
      test: ["CMD", "wget", "-q", "--spider", "http://127.0.0.1/"]
      interval: 10s
      timeout: 5s
      retries: 5
      start_period: 10s
`;

const indexHtml = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>{{recipe.title}}</title>
  </head>
  <body>
    <h1>{{recipe.title}}</h1>
    <p>Installed by berth from recipe {{recipe.name}} {{recipe.version}}. Edit site/index.html in the install folder.</p>
  </body>
</html>
`;

/** The new recipe's files by path (the JSON Schema for editors is added by the command: it comes from berth). */
export function scaffoldFiles(name: string): Record<string, string> {
  return {
    'recipe.yaml': recipeYaml(name),
    'compose.yaml.hbs': composeYaml,
    'site/index.html.hbs': indexHtml,
  };
}
