/**
 * Fails when the domain core reads the process environment: `process.env`, any other use of the
 * `process` global (`process.exit`, `process['env']`, `globalThis.process`) in lambdas/core.
 * Only entry points read the environment; the core receives typed config. Part of `npm run lint:deps`
 * (dependency-cruiser sees imports, not globals).
 *
 *   npx tsx scripts/lint-core-env.ts [folder]   # default lambdas/core
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** Where `process` is used as the global in one file: `file:line:column  text`. */
export function processUses(fileName: string, text: string): string[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (isProcessGlobal(node)) {
      const { line, character } = source.getLineAndCharacterOfPosition(node.getStart(source));
      found.push(`${fileName}:${line + 1}:${character + 1}  ${node.parent.getText(source)}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** `process` as a value of its own (not a property name, not a declaration), or `globalThis.process`. */
function isProcessGlobal(node: ts.Node): boolean {
  if (ts.isPropertyAccessExpression(node) && node.name.text === 'process') return ts.isIdentifier(node.expression) && node.expression.text === 'globalThis';
  if (!ts.isIdentifier(node) || node.text !== 'process') return false;
  const parent = node.parent;
  if (ts.isPropertyAccessExpression(parent) && parent.name === node) return false;
  if (ts.isPropertyAssignment(parent) && parent.name === node) return false;
  if ((ts.isVariableDeclaration(parent) || ts.isParameter(parent) || ts.isBindingElement(parent)) && parent.name === node) return false;
  if (ts.isPropertySignature(parent) || ts.isMethodDeclaration(parent) || ts.isPropertyDeclaration(parent)) return parent.name !== node;
  return !ts.isTypeReferenceNode(parent) && !ts.isQualifiedName(parent);
}

function typescriptFiles(folder: string): string[] {
  return readdirSync(folder, { withFileTypes: true }).flatMap((entry) => {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) return typescriptFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const folder = process.argv[2] ?? 'lambdas/core';
  const uses = typescriptFiles(folder).flatMap((file) => processUses(relative(process.cwd(), file), readFileSync(file, 'utf8')));
  if (uses.length > 0) {
    process.stderr.write(`no-process-env-in-core: the core reads no environment (entry points parse it and pass typed config):\n  ${uses.join('\n  ')}\n`);
    process.exit(1);
  }
  process.stdout.write(`✔ no process.env in ${folder}\n`);
}
