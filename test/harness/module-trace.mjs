// Module hooks for `node --import …/module-trace.mjs`: prints every package and file that gets loaded as
// "LOADED <url>" on stderr, so a test can tell what a command imports at start-up.
import { register } from 'node:module';

const hooks = `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  process.stderr.write('LOADED ' + result.url + '\\n');
  return result;
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
