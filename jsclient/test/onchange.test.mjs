// onChange: this tab, other tabs (BroadcastChannel), server responses
// (polling) and the Cookie Store API path, against a stand-in document.
import { test, beforeEach, afterEach, mock } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import jar from './jar.mjs'
import defaults from '../src/index.mjs'

// The tests spell cookie names out, so they pin the prefix; the defaults
// themselves are checked against clientsession's in module.test.mjs.
const session = defaults.withConfig({ prefix: 'session.' })

const doc = jar()
beforeEach(() => {
  doc.clear()
  globalThis.document = doc
})
afterEach(() => {
  delete globalThis.document
  delete globalThis.cookieStore
  mock.timers.reset()
})

// until waits for check() to hold, failing after a bounded time.
const until = async (check, what) => {
  for (let i = 0; i < 200; i++) {
    if (check()) return
    await sleep(10)
  }
  assert.fail('timed out waiting for ' + what)
}

test('changes made in this tab are reported once per key', async () => {
  const seen = []
  const off = session.onChange((c) => seen.push(c))
  session.set('a', { x: 1 })
  session.set('b', 'é')
  assert.deepEqual(seen, [], 'reported after the current task, not inside set')
  await Promise.resolve()
  session.remove('a')
  await until(() => seen.length === 3, 'three changes')
  assert.deepEqual(seen, [{ key: 'a', value: { x: 1 } }, { key: 'b', value: 'é' }, { key: 'a', value: undefined }])
  assert.ok(Object.isFrozen(seen[0]))
  off()
  session.set('a', 2)
  await sleep(50)
  assert.equal(seen.length, 3, 'no calls after unsubscribe')
})

test('Private keys and foreign cookies are not reported', async () => {
  const seen = []
  const s = session.withConfig({ protection: { sig: 'signed' } })
  const off = s.onChange((c) => seen.push(c.key))
  doc.server('session._secret', '1')
  doc.server('unrelated', '1')
  doc.server('session.bad key', '1')
  doc.server('session.sig', 'garbage')
  s.set('pub', 1)
  await until(() => seen.length > 0, 'a change')
  await sleep(20)
  off()
  assert.deepEqual(seen.sort(), ['pub', 'sig'])
})

test('a change made in another tab arrives over BroadcastChannel', async () => {
  mock.timers.enable({ apis: ['setInterval'] }) // so the poll cannot be what reports it
  const otherTab = session.withConfig({}) // its own instance, as in another tab
  const seen = []
  const off = session.onChange((c) => seen.push(c))
  otherTab.set('color', 'blue')
  await until(() => seen.length === 1, 'the broadcast')
  assert.deepEqual(seen, [{ key: 'color', value: 'blue' }])
  off()
})

test('without the Cookie Store API a poll catches changes from responses', () => {
  mock.timers.enable({ apis: ['setInterval'] })
  const seen = []
  const off = session.onChange((c) => seen.push(c))
  doc.server('session.cart', '3')
  mock.timers.tick(999)
  assert.equal(seen.length, 0)
  mock.timers.tick(1)
  assert.deepEqual(seen, [{ key: 'cart', value: 3 }])
  mock.timers.tick(5000)
  assert.equal(seen.length, 1, 'an unchanged cookie is not reported again')
  off()
  doc.server('session.cart', '4')
  mock.timers.tick(5000)
  assert.equal(seen.length, 1, 'the poll stops with the last listener')
})

test('with the Cookie Store API its change events drive onChange, with no polling', () => {
  mock.timers.enable({ apis: ['setInterval'] })
  const store = new EventTarget()
  globalThis.cookieStore = store
  const seen = []
  const off = session.onChange((c) => seen.push(c))
  doc.server('session.cart', '3')
  mock.timers.tick(5000)
  assert.equal(seen.length, 0, 'no polling')
  store.dispatchEvent(new Event('change'))
  assert.deepEqual(seen, [{ key: 'cart', value: 3 }])
  off()
  doc.server('session.cart', '4')
  store.dispatchEvent(new Event('change'))
  assert.equal(seen.length, 1, 'the listener is removed with the last subscriber')
})

test('a throwing listener does not starve the others', async () => {
  const errors = []
  globalThis.reportError = (e) => errors.push(e)
  try {
    const seen = []
    const off1 = session.onChange(() => { throw new Error('boom') })
    const off2 = session.onChange((c) => seen.push(c.key))
    session.set('k', 1)
    await until(() => seen.length === 1, 'the second listener')
    assert.equal(errors.length, 1)
    assert.equal(errors[0].message, 'boom')
    off1()
    off2()
  } finally {
    delete globalThis.reportError
  }
})

test('onChange needs a function', () => {
  for (const bad of [undefined, null, 'f', {}]) assert.throws(() => session.onChange(bad), TypeError)
})
