'use strict';
// index.d.ts against the package, with the TypeScript compiler (a dev
// dependency): test/types/usage.ts must compile under --strict, and the
// declarations must name exactly what index.js exports, member by member
// (public members, both ways: nothing declared that is missing, nothing
// exported that is undeclared).

const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const ts = require('typescript');
const ss = require('..');

const root = path.join(__dirname, '..');
const dts = path.join(root, 'index.d.ts');
const usage = path.join(__dirname, 'types', 'usage.ts');

const program = ts.createProgram([dts, usage], {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.CommonJS,
  lib: ['lib.es2022.d.ts', 'lib.esnext.disposable.d.ts'],
  types: ['node'],
  typeRoots: [path.join(root, 'node_modules', '@types')],
});
const checker = program.getTypeChecker();

test('index.d.ts and test/types/usage.ts compile with tsc --strict', () => {
  const diags = ts.getPreEmitDiagnostics(program).map((d) => {
    const where = d.file ? `${path.relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start).line + 1}` : '';
    return `${where} ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`;
  });
  assert.deepEqual(diags, []);
});

const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(dts));
const declared = new Map(checker.getExportsOfModule(moduleSymbol).map((s) => [s.name, s]));
const runtimeNames = Object.keys(ss);

test('the declared exports are the runtime exports', () => {
  const values = [...declared].filter(([, s]) => s.flags & ts.SymbolFlags.Value || (s.flags & ts.SymbolFlags.Alias &&
    checker.getAliasedSymbol(s).flags & ts.SymbolFlags.Value)).map(([n]) => n);
  assert.deepEqual(values.sort(), [...runtimeNames].sort());
});

// Public member names of a declared type, without those of Object, Error,
// Map and EventEmitter that the runtime classes inherit from Node anyway.
function names(type) {
  return checker.getPropertiesOfType(type)
    .filter((p) => !(p.flags & ts.SymbolFlags.Optional))
    .map((p) => p.name)
    .filter((n) => !n.startsWith('__@')); // [Symbol.dispose]: checked separately
}

// How to make an instance of each class for the member check.
const make = {
  SecureSocket: () => new ss.SecureSocket(),
  Vector: () => new ss.Vector('int', []),
  SmallMessage: () => new ss.SmallMessage('DSK'),
  Event: () => new ss.Event('x'),
  Dictionary: () => new ss.Dictionary(),
};

function ownPublic(obj, stop) {
  const out = new Set();
  for (let o = obj; o && o !== stop && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o)) {
    for (const n of Object.getOwnPropertyNames(o)) {
      if (!n.startsWith('_') && n !== 'constructor') out.add(n);
    }
  }
  return out;
}

const { EventEmitter } = require('node:events');
const bases = [Object.prototype, Error.prototype, Map.prototype, EventEmitter.prototype];
const staticBases = new Set(Object.getOwnPropertyNames(EventEmitter));

for (const name of runtimeNames) {
  const value = ss[name];
  if (typeof value !== 'function' || !/^class /.test(Function.prototype.toString.call(value))) continue;
  test(`class ${name}: declared members exist, and public members are declared`, (t) => {
    let sym = declared.get(name);
    if (sym.flags & ts.SymbolFlags.Alias) sym = checker.getAliasedSymbol(sym);
    const instType = checker.getDeclaredTypeOfSymbol(sym);
    const staticType = checker.getTypeOfSymbolAtLocation(sym, sym.valueDeclaration);
    const inst = (make[name] || (() => new value('m', 0, 'c')))();
    t.after(() => inst.destroy?.());

    const inherited = new Set(bases.flatMap((b) => Object.getOwnPropertyNames(b)));
    const declaredInst = names(instType);
    const missing = declaredInst.filter((n) => !(n in inst));
    assert.deepEqual(missing, [], 'declared but not on an instance');
    const runtimeInst = [...ownPublic(inst, null)].filter((n) => !inherited.has(n));
    const undeclared = runtimeInst.filter((n) => !declaredInst.includes(n) && n !== 'message' && n !== 'stack');
    assert.deepEqual(undeclared, [], 'public at runtime but not declared');

    const declaredStatic = names(staticType).filter((n) => n !== 'prototype');
    assert.deepEqual(declaredStatic.filter((n) => !(n in value)), [], 'declared static but missing');
    const runtimeStatic = [...ownPublic(value, Function.prototype)]
      .filter((n) => !['length', 'name', 'prototype'].includes(n) && !staticBases.has(n));
    assert.deepEqual(runtimeStatic.filter((n) => !declaredStatic.includes(n)), [], 'static at runtime but not declared');
    if (name === 'SecureSocket') assert.equal(typeof inst[Symbol.dispose], 'function');
  });
}
