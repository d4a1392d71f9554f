// The practices every recipe's renderings are held to (docs/recipes.md), each with a short id for the table
// column and a sentence saying what it asks. `berth recipe test` runs them; so do the shipped recipes' tests.
import {
  checkEnvFile,
  checkPlainHttpBehindTls,
  checkSecretFiles,
  checkSecretReferences,
} from './practices-exposure.js';
import { checkBackupDumps } from './practices-backup.js';
import { checkBindMounts, checkBuildContext } from './practices-mounts.js';
import { checkDatabasePorts, checkDependsOn, checkHealthchecks, checkImages } from './practices-services.js';
import type { Check } from './rendered.js';

export interface Practice {
  id: string;
  title: string;
  check: Check;
}

export const practices: readonly Practice[] = [
  {
    id: 'images',
    title: 'every image is ${VAR:?} from .env with a pinned tag or digest, never latest',
    check: checkImages,
  },
  {
    id: 'health',
    title: 'every long-running service has a healthcheck; one-shot services do not restart',
    check: checkHealthchecks,
  },
  {
    id: 'depends',
    title: 'every depends_on uses condition: healthy / completed successfully',
    check: checkDependsOn,
  },
  {
    id: 'db-ports',
    title: 'no database or cache publishes a port (127.0.0.1 only is allowed)',
    check: checkDatabasePorts,
  },
  {
    id: 'http',
    title: 'behind HTTPS, no plain-HTTP port listens on all interfaces',
    check: checkPlainHttpBehindTls,
  },
  {
    id: 'secrets',
    title: 'no secret value appears in a file that is not 0600',
    check: checkSecretFiles,
  },
  { id: 'refs', title: 'compose files reference secrets only as ${VAR:?}', check: checkSecretReferences },
  {
    id: 'env',
    title: '.env lists the compose files and sets every required variable; JSON files parse',
    check: checkEnvFile,
  },
  {
    id: 'build',
    title: 'no image is built from the install folder (it holds .env) or a folder above it',
    check: checkBuildContext,
  },
  {
    id: 'mounts',
    title: 'every relative bind mount is a file or folder the recipe writes',
    check: checkBindMounts,
  },
  {
    id: 'backup',
    title: 'every backup dump runs in a service of the stack that mounts what it covers',
    check: checkBackupDumps,
  },
];
