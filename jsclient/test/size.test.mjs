// The module must stay small and ES2020. The claim itself (the bytes a
// browser downloads) is measured in Go, on the gzip response of
// jsclient.New: TestServedSize. This test measures the generated file the
// same way, with Node's gzip, so that a change that grows it fails here too.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import config from '../src/config.mjs'

const entry = fileURLToPath(new URL('../src/index.mjs', import.meta.url))
const bundle = async (target) => {
  const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', write: false, target })
  return r.outputFiles[0].text
}

test('the served module, minified and gzipped, is at most 2 KB', () => {
  const code = readFileSync(new URL('../module.min.mjs', import.meta.url), 'utf8')
    .replace(/^(\/\/.*\n)+/, '').replace('__CONFIG__', JSON.stringify(config))
  const gz = gzipSync(code, { level: 9 }).length
  console.log(`# jsclient size: ${code.length} B minified, ${gz} B minified+gzipped`)
  assert.ok(gz <= 2048, `${gz} B > 2048 B`)
  assert.ok(gz > 500, 'the measure looks at the real code')
})

test('the source uses no syntax newer than ES2020', async () => {
  // esbuild rewrites syntax newer than its target; equal output means none.
  assert.equal(await bundle('es2020'), await bundle('esnext'))
  assert.notEqual(await bundle('es2017'), await bundle('esnext'), 'the check can fail')
})
