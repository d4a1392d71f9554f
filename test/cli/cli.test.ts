// End to end on the built bundle, run as a user runs it: flags, env, answers files, what lands in the install
// folder (content and modes), and the exit codes. `render` and `--dry-run` only, so no engine is needed.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { berth, modeOf, repoRoot, tempDir } from '../helpers.js';

const OPENAI_KEY = 'sk-proj-TESTKEY0123456789abcdefghij';
const MAGEC_SECRETS = [
  'POSTGRES_PASSWORD',
  'MAGEC_ADMIN_PASSWORD',
  'MAGEC_ENCRYPTION_KEY',
  'MAGEC_VOICE_CLIENT_TOKEN',
];

interface RecipeQuestion {
  id: string;
  type: string;
  env?: string;
}
const magecQuestions = (
  parse(readFileSync(path.join(repoRoot, 'templates/magec/recipe.yaml'), 'utf8')) as {
    questions: RecipeQuestion[];
  }
).questions;

const render = (dir: string, args: string[] = [], env: Record<string, string> = {}) =>
  berth(['render', '--dir', dir, '--yes', ...args], { env });
const output = (r: { stdout: unknown; stderr: unknown }) => `${String(r.stdout)}\n${String(r.stderr)}`;
const read = (dir: string, rel: string) => readFileSync(path.join(dir, rel), 'utf8');

function dotenv(dir: string): Record<string, string> {
  return Object.fromEntries(
    read(dir, '.env')
      .split('\n')
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
}
const secretLines = (dir: string) =>
  read(dir, '.env')
    .split('\n')
    .filter((l) => MAGEC_SECRETS.some((s) => l.startsWith(`${s}=`)));
const answersOf = (dir: string) =>
  (parse(read(dir, 'berth.yaml')) as { answers: Record<string, unknown> }).answers;

/** Every file under dir, with content and mode: to prove a run wrote nothing. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(path.join(dir, rel))) {
      const child = rel ? `${rel}/${name}` : name;
      const full = path.join(dir, child);
      if (statSync(full).isDirectory()) walk(child);
      else out[child] = `${modeOf(full)} ${readFileSync(full, 'utf8')}`;
    }
  };
  walk('');
  return out;
}

/** The "Files:" section of the plan, as { path: action }. */
function planOf(stdout: string): Record<string, string> {
  const section = stdout.split('\nFiles:\n')[1]!.split('\n\n')[0]!;
  return Object.fromEntries(
    section.split('\n').map((l) => {
      const [action, file] = l.trim().split(/\s+/);
      return [file!, action!];
    }),
  );
}

describe('berth --version, --help, recipes', () => {
  it('--version prints the version from package.json', async () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { version: string };
    const r = await berth(['--version']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(pkg.version);
  });

  it('--help lists the commands and the exit codes', async () => {
    const r = await berth(['--help']);
    expect(r.exitCode).toBe(0);
    for (const command of [
      'berth [install]',
      'berth render',
      'berth recipes',
      'berth recipe test',
      'berth doctor',
      'berth status',
      'berth logs',
      'berth down',
      'berth uninstall',
      'berth install --help',
    ]) {
      expect(r.stdout).toContain(command);
    }
    for (const code of [
      '0 done',
      '1 failed',
      '2 usage',
      '3 recipe',
      '4 generated files were edited',
      '5 Docker Compose',
      '6 this machine cannot run the stack',
      '130 cancelled',
    ]) {
      expect(r.stdout).toContain(code);
    }
  });

  it('install --help lists every magec question as a flag with its env names', async () => {
    const r = await berth(['install', '--help']);
    expect(r.exitCode).toBe(0);
    const text = String(r.stdout);
    expect(magecQuestions.length).toBeGreaterThan(10);
    for (const q of magecQuestions) {
      const flag = `--${q.id.replaceAll('_', '-')}`;
      if (q.type === 'secret' || q.type === 'password') {
        expect(text).toContain(`${flag}-file PATH`);
        expect(text).toContain(`env BERTH_${q.id.toUpperCase()} / ${q.env!}`);
      } else {
        expect(text).toMatch(new RegExp(`^  ${flag}\\b`, 'm'));
        expect(text).toContain(`env BERTH_${q.id.toUpperCase()} `);
      }
      if (q.type === 'confirm') expect(text).toContain(`--no-${q.id.replaceAll('_', '-')}`);
      expect(text).toMatch(new RegExp(`answers file key: ${q.id}$`, 'm'));
    }
    expect(text).toContain('--mode local|openai|anthropic|gemini');
    expect(text).toContain('--gpu / --no-gpu');
    expect(text).toContain('--openai-api-key-file PATH');
  });

  it('recipes lists magec (the default) and reflector', async () => {
    const r = await berth(['recipes']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(/^magec +1\.0\.0 .*\(default\)$/m);
    expect(r.stdout).toMatch(/^reflector +1\.0\.0 /m);
  });
});

describe('usage errors (exit 2)', () => {
  it('an unknown option suggests the closest one and writes nothing', async () => {
    const dir = path.join(tempDir(), 'inst');
    const r = await render(dir, ['--modee', 'local']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('Unknown option --modee.');
    expect(r.stderr).toContain('Did you mean --mode?');
    expect(existsSync(dir)).toBe(false);
  });

  it('--mode bogus names the valid values', async () => {
    const dir = path.join(tempDir(), 'inst');
    const r = await render(dir, ['--mode', 'bogus']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--mode: "bogus" is not one of: local, openai, anthropic, gemini');
    expect(existsSync(dir)).toBe(false);
  });

  it.each([['--openai-api-key', OPENAI_KEY], [`--openai-api-key=${OPENAI_KEY}`]])(
    'a secret as a plain flag (%s) is refused without echoing it',
    async (...flag) => {
      const dir = path.join(tempDir(), 'inst');
      const r = await render(dir, ['--mode', 'openai', ...flag]);
      expect(r.exitCode).toBe(2);
      expect(r.stderr).toContain('--openai-api-key cannot be given on the command line');
      expect(r.stderr).toContain('`ps`');
      expect(r.stderr).toContain('--openai-api-key-file PATH');
      expect(output(r)).not.toContain(OPENAI_KEY);
      expect(existsSync(dir)).toBe(false);
    },
  );

  it('without a terminal, lists every missing reflector answer with its flag', async () => {
    const dir = path.join(tempDir(), 'inst');
    const r = await berth([
      'render',
      '--recipe',
      'reflector',
      '--dir',
      dir,
      '--storage',
      's3',
      '--postgres',
      'external',
      '--redis',
      'external',
    ]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('6 answer(s) missing, and there is no terminal to ask them in.');
    for (const line of [
      'missing transcript_url: Transcription API URL — give --transcript-url VALUE',
      'missing diarization_url: Diarization API URL — give --diarization-url VALUE',
      'missing s3_access_key_id: S3 access key id — give --s3-access-key-id VALUE',
      'missing s3_secret_access_key: S3 secret access key — give --s3-secret-access-key-file PATH or env BERTH_S3_SECRET_ACCESS_KEY / TRANSCRIPT_STORAGE_AWS_SECRET_ACCESS_KEY',
      'missing database_url: PostgreSQL connection URL — give --database-url-file PATH or env BERTH_DATABASE_URL / DATABASE_URL',
      'missing redis_host: Redis host — give --redis-host VALUE',
    ]) {
      expect(r.stderr).toContain(`  • ${line}\n`);
    }
    expect(existsSync(dir)).toBe(false);
  });

  it('without a terminal, the modal backend without --transcript-url is missing answers', async () => {
    const dir = path.join(tempDir(), 'inst');
    const r = await berth(['render', '--recipe', 'reflector', '--dir', dir, '--transcription', 'modal']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('2 answer(s) missing');
    expect(r.stderr).toContain('missing transcript_url: Transcription API URL — give --transcript-url VALUE');
    expect(r.stderr).toContain('missing diarization_url: Diarization API URL — give --diarization-url VALUE');
  });

  it('without a terminal, magec openai mode without a key says how to give it', async () => {
    const dir = path.join(tempDir(), 'inst');
    const r = await berth(['render', '--dir', dir, '--mode', 'openai']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('1 answer(s) missing');
    expect(r.stderr).toContain(
      'missing openai_api_key: OpenAI API key — give --openai-api-key-file PATH or env BERTH_OPENAI_API_KEY / OPENAI_API_KEY',
    );
    expect(existsSync(dir)).toBe(false);
  });

  it('an answers file holding a secret is refused without echoing the secret', async () => {
    const base = tempDir();
    writeFileSync(path.join(base, 'answers.yaml'), `mode: openai\nopenai_api_key: ${OPENAI_KEY}\n`);
    const r = await render(path.join(base, 'inst'), ['--answers', path.join(base, 'answers.yaml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('"openai_api_key" is a secret and cannot be stored in an answers file');
    expect(r.stderr).toContain('--openai-api-key-file PATH');
    expect(output(r)).not.toContain(OPENAI_KEY);
    expect(existsSync(path.join(base, 'inst'))).toBe(false);
  });

  it('an answers file with an unknown key lists the valid keys', async () => {
    const base = tempDir();
    writeFileSync(path.join(base, 'answers.yaml'), 'answers:\n  mode: local\n  magec_prot: 9000\n');
    const r = await render(path.join(base, 'inst'), ['--answers', path.join(base, 'answers.yaml')]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('"magec_prot" is not a question of recipe magec');
    const valid = magecQuestions.filter((q) => q.type !== 'secret').map((q) => q.id);
    expect(r.stderr).toContain(`Valid keys: ${valid.join(', ')}`);
    expect(r.stderr).not.toMatch(/Valid keys:.*openai_api_key/);
  });

  it('a folder holding a reflector install is not reused for magec', async () => {
    const dir = path.join(tempDir(), 'inst');
    expect((await render(dir, ['--recipe', 'reflector', '--transcription', 'whisper'])).exitCode).toBe(0);
    const before = tree(dir);
    const r = await render(dir, ['--recipe', 'magec']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain(`${dir} already holds a reflector install, not magec.`);
    expect(r.stderr).toContain('--recipe reflector');
    expect(tree(dir)).toEqual(before);
  });
});

describe('an external recipe', () => {
  it('with an invalid recipe.yaml exits 3 naming the file, line and field', async () => {
    const base = tempDir();
    mkdirSync(path.join(base, 'my-recipe'));
    writeFileSync(
      path.join(base, 'my-recipe/recipe.yaml'),
      [
        'name: my-recipe',
        'title: Mine',
        'version: 1.0.0',
        'description: d',
        'questions:',
        '  - id: mode',
        '    type: bogus',
        '    prompt: Which?',
        '',
      ].join('\n'),
    );
    const r = await berth(['render', '--recipe', './my-recipe', '--dir', path.join(base, 'inst'), '--yes'], {
      cwd: base,
    });
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain(
      `${path.join(base, 'my-recipe/recipe.yaml')}:7: questions[0] (mode).type: Invalid option`,
    );
    expect(existsSync(path.join(base, 'inst'))).toBe(false);
  });
});

describe('where answers come from', () => {
  it('takes flag > env > answers file > previous berth.yaml > default', async () => {
    const base = tempDir();
    const previous = path.join(base, 'setup');
    expect((await render(previous, ['--magec-port', '4444'])).exitCode).toBe(0);
    writeFileSync(path.join(base, 'answers.yaml'), 'magec_port: 3333\n');
    const answers = ['--answers', path.join(base, 'answers.yaml')];
    const env = { BERTH_MAGEC_PORT: '2222' };
    const cases: [string, string[], Record<string, string>, boolean, number][] = [
      ['flag', ['--magec-port', '1111', ...answers], env, true, 1111],
      ['env', answers, env, true, 2222],
      ['file', answers, {}, true, 3333],
      ['previous', [], {}, true, 4444],
      ['default', [], {}, false, 8080],
    ];
    for (const [origin, args, caseEnv, withPrevious, port] of cases) {
      const dir = path.join(base, origin);
      if (withPrevious) cpSync(previous, dir, { recursive: true });
      const r = await render(dir, args, caseEnv);
      expect(r.exitCode, output(r)).toBe(0);
      // A value that differs from the previous install's says what it was.
      const was = withPrevious && port !== 4444 ? '; was 4444' : '';
      expect(r.stdout).toMatch(new RegExp(`^  magec_port +${port}  \\[${origin}${was}\\]$`, 'm'));
      expect(dotenv(dir).MAGEC_PORT, origin).toBe(String(port));
      expect(answersOf(dir).magec_port, origin).toBe(port);
      expect(read(dir, 'compose.yaml')).toContain('${MAGEC_PORT:?');
    }
  });
});

describe('secrets', () => {
  it.each([
    ['the conventional env OPENAI_API_KEY', 'env'],
    ['--openai-api-key-file', 'file'],
  ])('an API key from %s lands in .env only, and is never printed', async (_label, via) => {
    const base = tempDir();
    const dir = path.join(base, 'inst');
    const keyFile = path.join(base, 'key');
    writeFileSync(keyFile, `${OPENAI_KEY}\n`, { mode: 0o600 });
    const r =
      via === 'env'
        ? await render(dir, ['--mode', 'openai'], { OPENAI_API_KEY: OPENAI_KEY })
        : await render(dir, ['--mode', 'openai', '--openai-api-key-file', keyFile]);
    expect(r.exitCode, output(r)).toBe(0);
    expect(r.stdout).toMatch(/^ {2}openai_api_key +\(set, hidden\) {2}\[(env|flag)\]$/m);
    expect(dotenv(dir).OPENAI_API_KEY).toBe(OPENAI_KEY);
    expect(output(r)).not.toContain(OPENAI_KEY);
    expect(read(dir, 'berth.yaml')).not.toContain(OPENAI_KEY);
    expect(answersOf(dir)).not.toHaveProperty('openai_api_key');
    const holders = Object.entries(tree(dir))
      .filter(([, v]) => v.includes(OPENAI_KEY))
      .map(([k]) => k);
    expect(holders).toEqual(['.env']);
    // A re-run keeps it from .env, without the env var or the file.
    const again = await render(dir);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toMatch(/^ {2}openai_api_key +\(set, hidden\) {2}\[previous\]$/m);
    expect(dotenv(dir).OPENAI_API_KEY).toBe(OPENAI_KEY);
    expect(output(again)).not.toContain(OPENAI_KEY);
  });

  it('writes .env and sensitive files 0600, compose files 0644, .berth/ 0700', async () => {
    const base = tempDir();
    const magec = path.join(base, 'magec');
    expect((await render(magec)).exitCode).toBe(0);
    expect(modeOf(path.join(magec, '.env'))).toBe('0600');
    expect(modeOf(path.join(magec, 'magec/store.seed.json'))).toBe('0600');
    expect(modeOf(path.join(magec, 'compose.yaml'))).toBe('0644');
    expect(modeOf(path.join(magec, 'compose.override.yaml'))).toBe('0644');
    expect(modeOf(path.join(magec, 'config.yaml'))).toBe('0644');
    expect(modeOf(path.join(magec, 'berth.yaml'))).toBe('0644');
    expect(modeOf(path.join(magec, '.berth'))).toBe('0700');
    expect(modeOf(path.join(magec, '.berth/state.json'))).toBe('0600');
    const reflector = path.join(base, 'reflector');
    expect((await render(reflector, ['--recipe', 'reflector', '--transcription', 'whisper'])).exitCode).toBe(
      0,
    );
    expect(modeOf(path.join(reflector, 'server/.env'))).toBe('0600');
    expect(modeOf(path.join(reflector, 'www/.env'))).toBe('0600');
    expect(modeOf(path.join(reflector, '.env'))).toBe('0600');
    expect(modeOf(path.join(reflector, 'compose.yaml'))).toBe('0644');
  });
});

describe('re-running', () => {
  it('keeps every secret byte-identical and reports every file unchanged', async () => {
    const dir = path.join(tempDir(), 'inst');
    const first = await render(dir);
    expect(first.exitCode).toBe(0);
    const secrets = secretLines(dir);
    expect(secrets).toHaveLength(MAGEC_SECRETS.length);
    for (const line of secrets) expect(line).toMatch(/^[A-Z_]+=[A-Za-z0-9]{24,}$/);
    const before = tree(dir);

    const again = await render(dir);
    expect(again.exitCode).toBe(0);
    expect(secretLines(dir)).toEqual(secrets);
    expect(planOf(String(again.stdout))).toEqual({
      'compose.yaml': 'unchanged',
      'config.yaml': 'unchanged',
      'magec/store.seed.json': 'unchanged',
      'compose.override.yaml': 'kept',
      '.env': 'unchanged',
      'berth.yaml': 'unchanged',
    });
    expect(again.stdout).toContain('✔ Wrote 0 file(s)');
    expect(again.stdout).toMatch(/^ {2}postgres_password +\(kept from \.env\)$/m);
    const after = tree(dir);
    delete before['.berth/state.json'];
    delete after['.berth/state.json']; // its updatedAt moves on
    expect(after).toEqual(before);
    expect(existsSync(path.join(dir, '.berth/backups'))).toBe(false);
  });

  it('changing one answer updates only the files it affects and backs up their previous versions', async () => {
    const dir = path.join(tempDir(), 'inst');
    expect((await render(dir)).exitCode).toBe(0);
    const before = tree(dir);
    const r = await render(dir, ['--magec-port', '9090']);
    expect(r.exitCode).toBe(0);
    expect(planOf(String(r.stdout))).toEqual({
      'compose.yaml': 'unchanged',
      'config.yaml': 'unchanged',
      'magec/store.seed.json': 'unchanged',
      'compose.override.yaml': 'kept',
      '.env': 'changed',
      'berth.yaml': 'changed',
    });
    expect(r.stdout).toContain('✔ Wrote 2 file(s)');
    const backupLine = /^Previous files backed up in (\.berth\/backups\/[^/]+)\/$/m.exec(String(r.stdout));
    expect(backupLine).not.toBeNull();
    const backups = path.join(dir, backupLine![1]!);
    expect(readdirSync(backups).sort()).toEqual(['.berth', '.env', 'backup.json', 'berth.yaml']);
    expect(readdirSync(path.join(backups, '.berth'))).toEqual(['state.json']);
    expect(read(backups, '.env')).toBe(before['.env']!.slice(5));
    expect(read(backups, 'berth.yaml')).toBe(before['berth.yaml']!.slice(5));
    expect(modeOf(path.join(backups, '.env'))).toBe('0600');
    expect(modeOf(path.join(backups, 'berth.yaml'))).toBe('0600');
    const after = tree(dir);
    for (const same of ['compose.yaml', 'config.yaml', 'magec/store.seed.json', 'compose.override.yaml']) {
      expect(after[same], same).toBe(before[same]);
    }
    expect(dotenv(dir).MAGEC_PORT).toBe('9090');
    expect(answersOf(dir).magec_port).toBe(9090);
  });

  it.each(['compose.yaml', '.env'])(
    'stops with exit 4 when %s was edited by hand, writes nothing, and --force backs it up and overwrites',
    async (file) => {
      const dir = path.join(tempDir(), 'inst');
      expect((await render(dir)).exitCode).toBe(0);
      const generated = read(dir, file);
      writeFileSync(path.join(dir, file), `${generated}# my edit\n`);
      const edited = tree(dir);

      const r = await render(dir, ['--magec-port', '9090']);
      expect(r.exitCode).toBe(4);
      expect(r.stderr).toContain(`• ${file}: edited since berth wrote it`);
      expect(r.stderr).toContain('compose.override.yaml');
      expect(r.stderr).toContain('--force');
      expect(tree(dir)).toEqual(edited);

      const forced = await render(dir, ['--force']);
      expect(forced.exitCode, output(forced)).toBe(0);
      expect(read(dir, file)).toBe(generated);
      const backupDir = /^Previous files backed up in (\S+)\/$/m.exec(String(forced.stdout))![1]!;
      expect(read(path.join(dir, backupDir), file)).toBe(`${generated}# my edit\n`);
      expect(modeOf(path.join(dir, backupDir, file))).toBe('0600');
    },
  );

  it('never rewrites compose.override.yaml once the user edited it', async () => {
    const dir = path.join(tempDir(), 'inst');
    expect((await render(dir)).exitCode).toBe(0);
    const mine = 'services:\n  magec:\n    environment:\n      LOG_LEVEL: debug\n';
    writeFileSync(path.join(dir, 'compose.override.yaml'), mine);
    const r = await render(dir, ['--magec-port', '9090']);
    expect(r.exitCode, output(r)).toBe(0);
    expect(planOf(String(r.stdout))['compose.override.yaml']).toBe('kept');
    expect(read(dir, 'compose.override.yaml')).toBe(mine);
    expect(dotenv(dir).COMPOSE_FILE).toMatch(/:compose\.override\.yaml$/);
  });

  it('removes an override that is no longer rendered: --gpu, then --no-gpu, then openai mode', async () => {
    const base = tempDir();
    const dir = path.join(base, 'inst');
    expect((await render(dir, ['--gpu'])).exitCode).toBe(0);
    expect(existsSync(path.join(dir, 'compose.gpu.yaml'))).toBe(true);
    expect(dotenv(dir).COMPOSE_FILE).toBe('compose.yaml:compose.gpu.yaml:compose.override.yaml');
    const gpuFile = read(dir, 'compose.gpu.yaml');

    const off = await render(dir, ['--no-gpu']);
    expect(off.exitCode).toBe(0);
    expect(planOf(String(off.stdout))['compose.gpu.yaml']).toBe('removed');
    expect(existsSync(path.join(dir, 'compose.gpu.yaml'))).toBe(false);
    expect(dotenv(dir).COMPOSE_FILE).toBe('compose.yaml:compose.override.yaml');
    const backupDir = /^Previous files backed up in (\S+)\/$/m.exec(String(off.stdout))![1]!;
    expect(read(path.join(dir, backupDir), 'compose.gpu.yaml')).toBe(gpuFile);

    const gpuAgain = await render(dir, ['--gpu']);
    expect(gpuAgain.exitCode).toBe(0);
    expect(existsSync(path.join(dir, 'compose.gpu.yaml'))).toBe(true);
    writeFileSync(path.join(base, 'key'), OPENAI_KEY);
    const openai = await render(dir, ['--mode', 'openai', '--openai-api-key-file', path.join(base, 'key')]);
    expect(openai.exitCode, output(openai)).toBe(0);
    expect(planOf(String(openai.stdout))['compose.gpu.yaml']).toBe('removed');
    expect(existsSync(path.join(dir, 'compose.gpu.yaml'))).toBe(false);
    expect(answersOf(dir)).not.toHaveProperty('gpu');
    expect(read(dir, 'compose.yaml')).not.toContain('ollama');
  });

  it('stops with exit 4 when a file the new answers would remove was edited by hand; --force backs it up', async () => {
    const dir = path.join(tempDir(), 'inst');
    expect((await render(dir, ['--gpu'])).exitCode).toBe(0);
    const generated = read(dir, 'compose.gpu.yaml');
    writeFileSync(path.join(dir, 'compose.gpu.yaml'), `${generated}# pinned to GPU 1 by hand\n`);
    const edited = tree(dir);

    const r = await render(dir, ['--no-gpu']);
    expect(r.exitCode, output(r)).toBe(4);
    expect(r.stderr).toContain('1 generated file(s) in');
    expect(r.stderr).toContain('• compose.gpu.yaml: edited since berth wrote it');
    expect(r.stderr).toContain('--force');
    expect(tree(dir)).toEqual(edited);

    const forced = await render(dir, ['--no-gpu', '--force']);
    expect(forced.exitCode, output(forced)).toBe(0);
    expect(planOf(String(forced.stdout))['compose.gpu.yaml']).toBe('removed');
    expect(existsSync(path.join(dir, 'compose.gpu.yaml'))).toBe(false);
    const backupDir = /^Previous files backed up in (\S+)\/$/m.exec(String(forced.stdout))![1]!;
    expect(read(path.join(dir, backupDir), 'compose.gpu.yaml')).toBe(
      `${generated}# pinned to GPU 1 by hand\n`,
    );
  });

  it('stops with exit 4 when compose.yaml already exists and was not written by berth', async () => {
    const dir = path.join(tempDir(), 'inst');
    mkdirSync(dir);
    const theirs = 'services:\n  app:\n    image: example/app:1.2.3\n';
    writeFileSync(path.join(dir, 'compose.yaml'), theirs);

    const r = await render(dir);
    expect(r.exitCode, output(r)).toBe(4);
    expect(r.stderr).toContain('• compose.yaml: already exists and was not written by berth');
    expect(r.stderr).toContain('--force');
    expect(readdirSync(dir)).toEqual(['compose.yaml']);
    expect(read(dir, 'compose.yaml')).toBe(theirs);

    const forced = await render(dir, ['--force']);
    expect(forced.exitCode, output(forced)).toBe(0);
    expect(read(dir, 'compose.yaml')).not.toBe(theirs);
    const backupDir = /^Previous files backed up in (\S+)\/$/m.exec(String(forced.stdout))![1]!;
    expect(read(path.join(dir, backupDir), 'compose.yaml')).toBe(theirs);
  });
});

describe('--dry-run', () => {
  it('writes nothing and prints the plan and the files with secrets masked', async () => {
    const dir = path.join(tempDir(), 'inst');
    const r = await berth(['install', '--dir', dir, '--yes', '--dry-run', '--mode', 'openai'], {
      env: { OPENAI_API_KEY: OPENAI_KEY },
    });
    expect(r.exitCode, output(r)).toBe(0);
    expect(existsSync(dir)).toBe(false);
    const out = String(r.stdout);
    expect(out).toContain(`Dry run: would install Magec (magec 1.0.0) in ${dir} — new install`);
    expect(planOf(out)['compose.yaml']).toBe('new');
    expect(out).toContain('── .env (mode 0600) ──');
    expect(out).toContain('── compose.yaml (mode 0644) ──');
    expect(out).toContain('OPENAI_API_KEY=<secret:openai_api_key>');
    for (const s of ['postgres_password', 'admin_password', 'encryption_key', 'voice_client_token']) {
      expect(out).toContain(`<secret:${s}>`);
    }
    expect(output(r)).not.toContain(OPENAI_KEY);
    expect(out).toContain('Dry run: nothing was written');
  });

  it('on an existing install prints none of its secrets and changes nothing', async () => {
    const dir = path.join(tempDir(), 'inst');
    expect((await render(dir)).exitCode).toBe(0);
    const secrets = Object.entries(dotenv(dir))
      .filter(([k]) => MAGEC_SECRETS.includes(k))
      .map(([, v]) => v);
    expect(secrets).toHaveLength(4);
    const before = tree(dir);
    const r = await berth(['install', '--dir', dir, '--yes', '--dry-run', '--magec-port', '9191']);
    expect(r.exitCode, output(r)).toBe(0);
    expect(planOf(String(r.stdout))['.env']).toBe('changed');
    expect(r.stdout).toContain('MAGEC_PORT=9191');
    for (const secret of secrets) expect(output(r)).not.toContain(secret);
    expect(tree(dir)).toEqual(before);
  });
});

describe('--answers', () => {
  it('replaying berth.yaml into another folder reproduces berth.yaml and compose.yaml', async () => {
    const base = tempDir();
    const first = path.join(base, 'first');
    const r = await render(first, [
      '--magec-port',
      '9123',
      '--llm-model',
      'qwen3:4b',
      '--tts-voice',
      'en-GB-RyanNeural',
      '--gpu',
    ]);
    expect(r.exitCode).toBe(0);
    const second = path.join(base, 'second');
    const replay = await berth([
      'render',
      '--dir',
      second,
      '--answers',
      path.join(first, 'berth.yaml'),
      '--yes',
    ]);
    expect(replay.exitCode, output(replay)).toBe(0);
    expect(replay.stdout).toMatch(/^ {2}magec_port +9123 {2}\[file\]$/m);
    expect(read(second, 'berth.yaml')).toBe(read(first, 'berth.yaml'));
    expect(read(second, 'compose.yaml')).toBe(read(first, 'compose.yaml'));
    expect(read(second, 'compose.gpu.yaml')).toBe(read(first, 'compose.gpu.yaml'));
    // Secrets are the second install's own.
    expect(secretLines(second)).not.toEqual(secretLines(first));
  });
});
