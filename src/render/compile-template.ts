// The full handlebars compiler, for templates read from disk (recipe folders, development). Shipped recipes
// are precompiled at build time, so a normal run never loads this module.
import HandlebarsCompiler from 'handlebars';
import { compileOptions, registerHelpers, type TemplateFn } from './handlebars.js';

let compiler: typeof HandlebarsCompiler | undefined;

export function compileTemplate(text: string): TemplateFn {
  compiler ??= registerHelpers(HandlebarsCompiler.create());
  return compiler.compile(text, compileOptions);
}
