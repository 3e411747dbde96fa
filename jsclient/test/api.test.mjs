// get, set, remove and keys against a stand-in document.cookie.
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

const mac = 'A'.repeat(43)
const future = Math.floor(Date.now() / 1000) + 3600
const signed = session.withConfig({ protection: { role: 'signed', open: 'public', _shown: 'public' } })

test('set writes percent-encoded JSON with the configured attributes', () => {
  session.set('user', { name: 'Ann Lee', tags: ['a,b', 'c;d'] })
  assert.equal(doc.writes.at(-1),
    'session.user={%22name%22:%22Ann%20Lee%22%2C%22tags%22:[%22a%2Cb%22%2C%22c%3Bd%22]}' +
    '; Path=/; Max-Age=1209600; SameSite=Lax; Secure')
  assert.deepEqual(session.get('user'), { name: 'Ann Lee', tags: ['a,b', 'c;d'] })

  const other = session.withConfig({ prefix: 'app.', path: '/x', domain: 'example.com', sameSite: 'Strict', secure: false })
  other.set('n', 1, { maxAge: 60.9 })
  assert.equal(doc.writes.at(-1), 'app.n=1; Path=/x; Domain=example.com; Max-Age=60; SameSite=Strict')
})

test('get round-trips awkward values', () => {
  const values = [
    'a b', 'a,b', 'a"b', 'a;b', 'a\\b', '100%', 'a+b', 'café crème', '👍🏽 ok', '',
    0, -1.5, 1e21, true, false, null, [], {}, { a: { b: [1, 'x y', { c: null }] } },
    'x'.repeat(3000)
  ]
  for (const v of values) {
    session.set('v', v)
    assert.deepEqual(session.get('v'), v)
  }
})

test('get reads Public and Signed keys only', () => {
  doc.server('session.role', `s1.${future}.${mac}.%22admin%22`)
  doc.server('session._secret', '%22visible%22') // a forged non-HttpOnly Private cookie
  doc.server('session.open', '%22o%22')
  assert.equal(signed.get('role'), 'admin')
  assert.equal(session.get('role'), undefined, 'Public by default: an s1 value is not JSON')
  assert.equal(signed.get('_secret'), undefined)
  assert.equal(signed.get('missing'), undefined)
  assert.equal(signed.get('open'), 'o')
  assert.deepEqual(signed.keys(), ['role', 'open'])
})

test('Signed values expire in the page too', () => {
  doc.server('session.role', `s1.${Math.floor(Date.now() / 1000) - 1}.${mac}.%22admin%22`)
  assert.equal(signed.get('role'), undefined)
})

test('set and remove throw a TypeError for Signed, Private and invalid keys', () => {
  for (const key of ['role', '_secret', '', 'a b', 'é', 'x'.repeat(65), 'a=b', 'a;b']) {
    assert.throws(() => signed.set(key, 1), TypeError, key)
    assert.throws(() => signed.set(key, 'x'.repeat(5000)), TypeError, key)
    assert.throws(() => signed.remove(key), TypeError, key)
  }
  signed.set('_shown', 1) // an explicit level beats the "_" rule
  assert.equal(signed.get('_shown'), 1)
  assert.equal(doc.writes.length, 1)
})

test('set throws a TypeError for values JSON cannot hold and bad maxAge', () => {
  for (const v of [undefined, () => 1, Symbol('s')]) assert.throws(() => session.set('k', v), TypeError)
  assert.throws(() => session.set('k', 1n), TypeError)
  const loop = {}
  loop.loop = loop
  assert.throws(() => session.set('k', loop), TypeError)
  for (const maxAge of ['60', NaN, Infinity]) assert.throws(() => session.set('k', 1, { maxAge }), TypeError)
  assert.equal(doc.writes.length, 0)
})

test('set throws a RangeError past 4096 bytes of name + value', () => {
  const name = 'session.big'
  const exact = 'x'.repeat(4096 - name.length - 6)
  session.set('big', exact)
  assert.equal(session.get('big'), exact)
  assert.throws(() => session.set('big', exact + 'x'), RangeError)
  assert.throws(() => session.set('big', 'é'.repeat(700)), RangeError, 'é is 6 bytes encoded')
  assert.equal(session.get('big'), exact, 'a refused set leaves the old value')
})

test('set throws a RangeError when the visible session would pass maxTotalSize', () => {
  const s = session.withConfig({ maxTotalSize: 100 })
  doc.server('other', 'x'.repeat(500)) // not a session cookie: not counted
  s.set('a', 'x'.repeat(30)) // "session.a=%22…%22; " = 9 + 1 + 36 + 2 = 48
  s.set('a', 'x'.repeat(31)) // 49: replacing a key does not count it twice
  s.set('b', 'x'.repeat(2)) // 49 + 9 + 1 + 8 + 2 = 69
  assert.throws(() => s.set('c', 'x'.repeat(14)), RangeError) // 69 + 32 = 101
  s.set('c', 'x'.repeat(13)) // 69 + 31 = 100
  assert.deepEqual(s.keys(), ['a', 'b', 'c'])
})

test('the first of duplicate names wins', () => {
  doc.raw = 'session.k=1; session.k=2; session.j=bad; session.j=3'
  assert.equal(session.get('k'), 1)
  assert.equal(session.get('j'), undefined)
  assert.deepEqual(session.keys(), ['k'])
})

test('malformed document.cookie strings never throw', () => {
  const raws = [';;;', '=', 'session.', 'session.=1', 'session.a', '=session.a=1', 'session.a==1',
    ' session.a = 1 ', 'session.a=%', 'session.a="%22x"', 'session.a=1;session.a', '\u0000']
  for (const raw of raws) {
    doc.raw = raw
    assert.doesNotThrow(() => session.keys(), raw)
    assert.doesNotThrow(() => session.get('a'), raw)
  }
  doc.raw = ' session.a = 1 '
  assert.equal(session.get('a'), 1)
  doc.raw = 'session.a==1'
  assert.equal(session.get('a'), undefined)
})

test('a document that refuses cookie access reads as empty', () => {
  globalThis.document = { get cookie () { throw new Error('SecurityError') } }
  try {
    assert.equal(session.get('a'), undefined)
    assert.deepEqual(session.keys(), [])
  } finally {
    globalThis.document = doc
  }
})

test('keys named like Object.prototype members are ordinary keys', () => {
  for (const key of ['constructor', 'toString', 'hasOwnProperty']) {
    session.set(key, key)
    assert.equal(session.get(key), key)
  }
  assert.throws(() => session.set('__proto__', 1), TypeError, '"_" prefix: Private')
  const s = session.withConfig({ protection: JSON.parse('{"__proto__":"public"}') })
  s.set('__proto__', 2)
  assert.equal(s.get('__proto__'), 2)
  assert.equal(Object.getPrototypeOf(s.config.protection), null)
})

test('remove deletes with the same Path and Domain', () => {
  session.set('k', 1)
  session.remove('k')
  assert.equal(doc.writes.at(-1), 'session.k=; Path=/; Max-Age=0; SameSite=Lax; Secure')
  assert.equal(session.get('k'), undefined)
  assert.deepEqual(session.keys(), [])
  session.set('k', 1, { maxAge: 0 })
  assert.equal(session.get('k'), undefined)
})

test('settings and API are frozen', () => {
  assert.ok(Object.isFrozen(session))
  assert.ok(Object.isFrozen(session.config))
  assert.ok(Object.isFrozen(session.config.protection))
  assert.throws(() => { session.config.prefix = 'x' }, TypeError)
  assert.throws(() => { session.get = () => 1 }, TypeError)
  const input = { ...session.config, protection: { a: 'signed' } }
  const s = session.withConfig(input)
  input.protection.a = 'public'
  assert.equal(s.config.protection.a, 'signed', 'withConfig copies its input')
  assert.equal(session.config.protection.a, undefined)
})

test('without a document calls are no-ops but still check their input', () => {
  delete globalThis.document
  try {
    assert.equal(session.get('k'), undefined)
    assert.deepEqual(session.keys(), [])
    session.set('k', 1)
    session.remove('k')
    assert.throws(() => session.set('_k', 1), TypeError)
    assert.throws(() => session.set('k', 'x'.repeat(5000)), RangeError)
    const off = session.onChange(() => assert.fail('called'))
    off()
  } finally {
    globalThis.document = doc
  }
  assert.equal(doc.writes.length, 0)
})

test('set with session: true writes a browser-session cookie (no Max-Age)', () => {
  session.set('tab', 'x', { session: true })
  assert.equal(doc.writes.at(-1), 'session.tab=%22x%22; Path=/; SameSite=Lax; Secure')
  assert.equal(session.get('tab'), 'x')
  session.set('tab', 'y', { session: true, maxAge: 60 })
  assert.equal(doc.writes.at(-1), 'session.tab=%22y%22; Path=/; SameSite=Lax; Secure', 'session wins over maxAge')
  session.set('tab', 'z', { session: false })
  assert.match(doc.writes.at(-1), /; Max-Age=1209600;/)
  assert.throws(() => session.set('tab', 1, { session: true, maxAge: 'x' }), TypeError, 'maxAge is still checked')
  session.remove('tab')
  assert.match(doc.writes.at(-1), /^session\.tab=; Path=\/; Max-Age=0;/)
})

test('with partitioned every write, removals included, carries Partitioned', () => {
  const p = session.withConfig({ partitioned: true, sameSite: 'None' })
  p.set('k', 1)
  assert.equal(doc.writes.at(-1), 'session.k=1; Path=/; Max-Age=1209600; SameSite=None; Secure; Partitioned')
  p.set('k', 2, { session: true })
  assert.equal(doc.writes.at(-1), 'session.k=2; Path=/; SameSite=None; Secure; Partitioned')
  assert.equal(p.pop('k'), 2)
  assert.equal(doc.writes.at(-1), 'session.k=; Path=/; Max-Age=0; SameSite=None; Secure; Partitioned')
  session.set('k', 3)
  assert.doesNotMatch(doc.writes.at(-1), /Partitioned/, 'off by default')
})

test('a __Host- prefix gets what browsers require of it: Secure, Path=/, no Domain', () => {
  // The Manager only accepts __Host- with Secure, Path "/" and no Domain;
  // the module writes those settings as given.
  const h = session.withConfig({ prefix: '__Host-s.' })
  h.set('theme', 'dark')
  assert.equal(doc.writes.at(-1), '__Host-s.theme=%22dark%22; Path=/; Max-Age=1209600; SameSite=Lax; Secure')
  assert.equal(h.get('theme'), 'dark')
  assert.deepEqual(h.keys(), ['theme'])
  assert.equal(session.get('theme'), undefined, 'another prefix is another session')
})

test('maxAge over 400 days is a RangeError, as SetOptions.MaxAge is in Go', () => {
  session.set('k', 1, { maxAge: 400 * 86400 })
  assert.match(doc.writes.at(-1), /; Max-Age=34560000;/)
  assert.throws(() => session.set('k', 2, { maxAge: 400 * 86400 + 1 }), RangeError)
  assert.throws(() => session.set('k', 2, { maxAge: 3650 * 86400, session: true }), RangeError)
  assert.equal(doc.writes.length, 1)
  assert.equal(session.get('k'), 1)
})
