// The full handlebars compiler, for templates read from disk (recipe folders, development). Shipped recipes
// are precompiled at build time, so a normal run never loads this module.
import HandlebarsCompiler from 'handlebars';
import { compileOptions, registerHelpers, type TemplateFn } from './handlebars.js';

let compiler: typeof HandlebarsCompiler | undefined;

/** Each template text is parsed once: the name check at load and the compiler share the tree. */
const parsed = new Map<string, hbs.AST.Program>();
function parseOnce(text: string): hbs.AST.Program {
  let ast = parsed.get(text);
  if (!ast) parsed.set(text, (ast = HandlebarsCompiler.parse(text)));
  return ast;
}

export function compileTemplate(text: string): TemplateFn {
  compiler ??= registerHelpers(HandlebarsCompiler.create());
  return compiler.compile(parseOnce(text), compileOptions);
}

const BUILTIN_HELPERS = new Set(['if', 'unless', 'each', 'with', 'lookup', 'log']);

/**
 * The names a template reads (`domain`, `facts.address`, `secrets.db_password`), helpers left out. Inside `each`
 * and `with` blocks names are relative to the item, so only the block's own argument is listed there.
 */
export function templateNames(text: string): string[] {
  return templateNameRefs(text).map((r) => r.name);
}

/** templateNames with the line each name is read on. */
export function templateNameRefs(text: string): { name: string; line: number }[] {
  compiler ??= registerHelpers(HandlebarsCompiler.create());
  const helpers = new Set([...BUILTIN_HELPERS, ...Object.keys(compiler.helpers)]);
  const names: { name: string; line: number }[] = [];
  const visitor = new HandlebarsCompiler.Visitor();
  const path = (p: hbs.AST.PathExpression) => {
    if (p.data || p.depth > 0 || p.parts.length === 0 || helpers.has(p.original)) return;
    names.push({ name: p.parts.join('.'), line: p.loc?.start.line ?? 1 });
  };
  visitor.PathExpression = path;
  const block = visitor.BlockStatement.bind(visitor);
  visitor.BlockStatement = (b: hbs.AST.BlockStatement) => {
    if (b.path.type === 'PathExpression' && ['each', 'with'].includes(b.path.original)) {
      for (const param of b.params) visitor.accept(param);
      return;
    }
    block(b);
  };
  visitor.accept(parseOnce(text));
  return names;
}
