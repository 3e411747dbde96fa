// The file the Go package serves (module.min.mjs): up to date with src/, a
// single module with no imports, and the same behaviour as the sources.
import { test, beforeEach, after } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { generate, output } from '../build.mjs'
import jar from './jar.mjs'
import src from '../src/index.mjs'

const file = readFileSync(output, 'utf8')
const code = file.replace(/^(\/\/.*\n)+/, '')

// load imports the served module with config in place of __CONFIG__, as
// jsclient.New does with the Manager's ClientConfig.
const load = async (config) =>
  (await import('data:text/javascript,' + encodeURIComponent(code.replace('__CONFIG__', JSON.stringify(config))))).default

const doc = jar()
globalThis.document = doc
beforeEach(() => doc.clear())
after(() => { delete globalThis.document })

test('module.min.mjs is what build.mjs makes of src/ today', async () => {
  assert.equal(file, await generate(), 'stale: run `go generate ./jsclient` (after `npm ci`)')
})

test('the served module is one file: no import, no comment', () => {
  assert.doesNotMatch(code, /\bimport\b|\/\//)
  assert.equal(code.split('__CONFIG__').length, 2)
  assert.match(code, /export\s*\{\s*\w+ as default\s*\}/)
})

test('the served module behaves as the sources', async () => {
  const config = { ...src.config, prefix: 'session.', protection: { role: 'signed' } }
  const served = await load(config)
  assert.deepEqual(Object.keys(served), Object.keys(src))
  assert.deepEqual({ ...served.config, protection: { ...served.config.protection } }, config)

  const run = (s) => {
    doc.clear()
    doc.server('session.role', `s1.${Math.floor(Date.now() / 1000) + 60}.${'A'.repeat(43)}.%22admin%22`)
    doc.server('session.flash', '%22hi%22')
    const seen = [s.get('role'), s.pop('flash'), s.pop('flash')]
    s.set('user', { name: 'Ann Lee', tags: ['a,b', 'é;"'] })
    s.set('tab', 1, { session: true })
    s.set('cart', [1], { maxAge: 60 })
    seen.push(s.get('user'), s.keys())
    s.remove('cart')
    for (const f of [() => s.set('role', 1), () => s.set('_x', 1), () => s.set('k', 'x'.repeat(5000)), () => s.pop('role')]) {
      try { f(); seen.push('no error') } catch (e) { seen.push(e.name + ': ' + e.message) }
    }
    return { seen, writes: [...doc.writes] }
  }
  const want = run(src.withConfig(config))
  assert.deepEqual(run(served), want)
  assert.equal(want.writes.length, 5)
})
