// The package as bundlers and Node see it: the "exports" map, the files it
// ships and the declarations.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync, readdirSync, existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { build, transform } from 'esbuild'
import session from '@fullsession/jsclient'
import direct from '../src/index.mjs'
import config from '../src/config.mjs'

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url)))

test('the package name resolves to src/index.mjs', () => {
  assert.equal(session, direct)
  assert.deepEqual(Object.keys(session).sort(), ['config', 'get', 'keys', 'onChange', 'pop', 'remove', 'set', 'withConfig'])
  assert.equal(session.config.prefix, config.prefix)
})

test('package.json ships the sources and the declarations', () => {
  assert.equal(pkg.type, 'module')
  assert.equal(pkg.exports['.'].default, './src/index.mjs')
  assert.equal(pkg.exports['.'].types, './index.d.ts')
  assert.equal(pkg.exports['./package.json'], './package.json')
  assert.ok(existsSync(new URL('../index.d.ts', import.meta.url)))
  assert.deepEqual(pkg.dependencies, undefined, 'no runtime dependencies')
})

test('npm pack ships the sources, the declarations and the README, nothing else', () => {
  const dir = new URL('..', import.meta.url)
  const [pack] = JSON.parse(execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8' }))
  const src = readdirSync(new URL('../src', import.meta.url)).filter((n) => n.endsWith('.mjs')).map((n) => 'src/' + n)
  assert.deepEqual(pack.files.map((f) => f.path).sort(), ['README.md', 'index.d.ts', 'package.json', ...src].sort())
  assert.equal(pack.name, pkg.name)
})

test('the packed tarball installs offline, imports by name and bundles', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'jsclient-pack-'))
  try {
    const dir = new URL('..', import.meta.url)
    const [pack] = JSON.parse(execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: dir, encoding: 'utf8' }))
    writeFileSync(join(tmp, 'package.json'), '{"name": "consumer", "version": "0.0.0", "type": "module"}')
    execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--silent', './' + pack.filename], { cwd: tmp })
    const out = execFileSync(process.execPath, ['--input-type=module', '-e',
      "import s from '@fullsession/jsclient'; console.log(JSON.stringify([Object.keys(s), s.config.prefix]))"], { cwd: tmp, encoding: 'utf8' })
    assert.deepEqual(JSON.parse(out), [Object.keys(session), session.config.prefix])
    const bundled = await build({
      stdin: { contents: "import s from '@fullsession/jsclient'; export const keys = Object.keys(s)", resolveDir: tmp },
      bundle: true, format: 'esm', write: false, logLevel: 'silent'
    })
    const mod = await import('data:text/javascript,' + encodeURIComponent(bundled.outputFiles[0].text))
    assert.deepEqual(mod.keys, Object.keys(session))
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
})

test('index.d.ts declares every member of the API and every config field', () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  for (const name of Object.keys(session)) assert.match(dts, new RegExp(`\\b${name}\\b[(<:?]`), name)
  for (const name of Object.keys(session.config)) assert.match(dts, new RegExp(`readonly ${name}\\??:`), name)
})

test('index.d.ts parses as TypeScript', async () => {
  const dts = readFileSync(new URL('../index.d.ts', import.meta.url), 'utf8')
  await transform(dts, { loader: 'ts' })
  await assert.rejects(transform(dts + '\nexport interface {', { loader: 'ts' }), 'the check can fail')
})

// src/config.mjs equals a default clientsession Manager's ClientConfig:
// TestSourceDefaultsMatchGo checks that in Go. Here: the package uses it.
test('the default instance uses the settings of src/config.mjs', () => {
  assert.deepEqual({ ...session.config, protection: { ...session.config.protection } }, config)
  assert.equal(typeof config.prefix, 'string')
  assert.equal(config.secure, true, 'Secure by default, as clientsession')
})
