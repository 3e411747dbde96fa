// The module must stay small and ES2020: measured with esbuild (a
// devDependency installed by `npm ci`) and gzip.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gzipSync } from 'node:zlib'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const entry = fileURLToPath(new URL('../src/index.mjs', import.meta.url))
const bundle = async (target) => {
  const r = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', write: false, target })
  return r.outputFiles[0].text
}

test('minified and gzipped the module is at most 2 KB', async () => {
  const min = await bundle('esnext')
  const gz = gzipSync(min, { level: 9 }).length
  console.log(`# jsclient size: ${min.length} B minified, ${gz} B minified+gzipped`)
  assert.ok(gz <= 2048, `${gz} B > 2048 B`)
  assert.ok(gz > 500, 'the measure looks at the real code')
})

test('the source uses no syntax newer than ES2020', async () => {
  // esbuild rewrites syntax newer than its target; equal output means none.
  assert.equal(await bundle('es2020'), await bundle('esnext'))
  assert.notEqual(await bundle('es2017'), await bundle('esnext'), 'the check can fail')
})
