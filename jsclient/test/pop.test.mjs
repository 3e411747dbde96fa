// pop: read and remove in one call, for flash messages a server sets before
// redirecting to a cached page.
import { test, beforeEach, after } from 'node:test'
import assert from 'node:assert/strict'
import jar from './jar.mjs'
import defaults from '../src/index.mjs'

// The tests spell cookie names out, so they pin the prefix; the defaults
// themselves are checked against clientsession's in module.test.mjs.
const session = defaults.withConfig({ prefix: 'session.' })

const doc = jar()
globalThis.document = doc
beforeEach(() => doc.clear())
after(() => { delete globalThis.document })

test('pop returns the value once and removes the cookie', () => {
  doc.server('session.flash', '{%22text%22:%22Welcome%20back%2C%20Ann%22}')
  assert.deepEqual(session.pop('flash'), { text: 'Welcome back, Ann' })
  assert.equal(doc.writes.at(-1), 'session.flash=; Path=/; Max-Age=0; SameSite=Lax; Secure')
  assert.equal(session.get('flash'), undefined)
  assert.equal(session.pop('flash'), undefined, 'gone after the first pop')
  assert.equal(doc.writes.length, 1, 'an absent key is not written')
})

test('pop removes a malformed value and returns undefined', () => {
  doc.server('session.flash', '{bad')
  assert.equal(session.pop('flash'), undefined)
  assert.equal(doc.writes.length, 1)
  assert.equal(doc.cookie, '')
})

test('pop of a value set in the page', () => {
  session.set('notice', 'Removed from your selection', { session: true })
  assert.equal(session.pop('notice'), 'Removed from your selection')
  assert.deepEqual(session.keys(), [])
})

test('pop throws a TypeError for Signed, Private and invalid keys, and writes nothing', () => {
  const s = session.withConfig({ protection: { role: 'signed' } })
  doc.server('session.role', 's1.9999999999.' + 'A'.repeat(43) + '.1')
  doc.server('session._id', '1', true)
  for (const key of ['role', '_id', '', 'a b']) assert.throws(() => s.pop(key), TypeError, key)
  assert.equal(doc.writes.length, 0)
  assert.equal(s.get('role'), 1)
})

test('pop notifies onChange listeners', async () => {
  doc.server('session.flash', '1')
  const events = []
  const off = session.onChange((c) => events.push(c))
  session.pop('flash')
  await new Promise((resolve) => queueMicrotask(resolve))
  off()
  assert.deepEqual(events, [{ key: 'flash', value: undefined }])
})

test('without a document pop returns undefined', () => {
  delete globalThis.document
  try {
    assert.equal(session.pop('flash'), undefined)
    assert.throws(() => session.pop('_x'), TypeError)
  } finally {
    globalThis.document = doc
  }
})
